export { eventStoreContract, type ContractContext } from './contract.js';
