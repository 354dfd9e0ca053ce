// Types of the validator `npm run build` generates (see schema-code.ts).
import type { ValidateFunction } from "ajv";

declare const validate: ValidateFunction;
export default validate;
