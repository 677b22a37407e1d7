import type { ActivityDefinition } from './types.js';

export const appendVariable: ActivityDefinition = {
  type: 'AppendVariable',
  validate(a) {
    return typeof a.typeProperties?.variableName === 'string' ? [] : ['typeProperties.variableName is required'];
  },
  execute(ctx) {
    ctx.variables.append(String(ctx.input.variableName ?? ''), ctx.input.value);
    return {};
  },
};
