/** Terraform plans as facts: the entry points the fact loader uses. */
export { type AddressLocation, locateAddress, type TfFile } from './locate-address.js'
export { isTerraformPlan } from './plan-document.js'
export { type IacContext, type PlanFacts, readTerraformPlan } from './read-plan.js'
