import { userFailActivity } from '../../common/catalogue.js';
import type { ActivityDefinition } from './types.js';

const NOT_STRING = 'ErrorCodeNotString';

/**
 * Fails its scope with a user message and error code, mimicking ADF's edge cases
 * (specs/adf-runtime.md §2.4): a code that is missing, not a string or blank becomes `ErrorCodeNotString`.
 */
export const fail: ActivityDefinition = {
  type: 'Fail',
  execute(ctx) {
    const name = ctx.activityName;
    const msg = ctx.input.message;
    const code = ctx.input.errorCode;
    const codeOk = typeof code === 'string' && code.trim() !== '';
    const hasMsg = 'message' in ctx.input;
    const msgState = !hasMsg
      ? 'missing'
      : typeof msg !== 'string'
        ? msg === null
          ? 'blank'
          : 'notString'
        : msg.trim() === ''
          ? 'blank'
          : 'ok';
    const uninterpretable = `Failed to interpret ${name} fail message or error code`;
    let message: string;
    let errorCode: string;
    if (msgState === 'ok') {
      message = msg as string;
      errorCode = codeOk ? (code as string) : NOT_STRING;
    } else if (!codeOk) {
      message = uninterpretable;
      errorCode = NOT_STRING;
    } else {
      errorCode = code as string;
      message =
        msgState === 'missing'
          ? "Fail message wasn't provided"
          : msgState === 'notString'
            ? `${name} fail message parameter couldn't be interpreted as a string`
            : uninterpretable;
    }
    return { status: 'Failed', error: userFailActivity(name, errorCode, message).toActivity(name) };
  },
};
