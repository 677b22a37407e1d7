import type { ActivityDefinition } from '../activities/types.js';

/** Activity types by ADF `type`, matched case-insensitively (real JSON is not consistent about case). */
export class ActivityRegistry {
  private readonly byType = new Map<string, ActivityDefinition>();

  constructor(definitions: Iterable<ActivityDefinition> = []) {
    for (const d of definitions) this.register(d);
  }

  register(def: ActivityDefinition): this {
    this.byType.set(def.type.toLowerCase(), def);
    return this;
  }

  get(type: string): ActivityDefinition | undefined {
    return this.byType.get(type.toLowerCase());
  }

  has(type: string): boolean {
    return this.byType.has(type.toLowerCase());
  }

  types(): string[] {
    return [...this.byType.values()].map((d) => d.type);
  }
}
