/** The global switch for argument validation (NumPyro's enable_validation); on by default. */
let enabled = true;

export function enableValidation(on = true): void {
  enabled = on;
}

export function isValidationEnabled(): boolean {
  return enabled;
}
