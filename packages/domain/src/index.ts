export * from './history.js';
export * from './arn.js';
export { isValidName } from './names.js';
export * from './api-errors.js';
export * from './execution/index.js';
export * from './state-machine.js';
export * from './activity.js';
export * from './tags.js';
