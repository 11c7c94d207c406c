export { eventStoreContract, type ContractContext } from './contract.js';
export { postgresUrl, postgresUnavailable, uniqueSchema, dropSchema, ownDatabase } from './postgres.js';
