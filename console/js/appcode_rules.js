// Huawei's rules for a custom AppCode (APIG dedicated v2; src/core/validation.cpp is_app_code):
// 64-180 characters from A-Z a-z 0-9 + _ ! @ # $ % - / =, the first a letter, digit, '+' or '/'.
export const APP_CODE_LIMIT = 5;
const ALLOWED = /^[A-Za-z0-9+_!@#$%\-/=]*$/;
const FIRST = /^[A-Za-z0-9+/]/;

// The rules `value` breaks, as i18n keys (empty when valid).
export function appCodeProblems(value) {
  const problems = [];
  if (value.length < 64 || value.length > 180) problems.push('codeRuleLength');
  if (!ALLOWED.test(value)) problems.push('codeRuleChars');
  if (value.length && !FIRST.test(value)) problems.push('codeRuleFirst');
  return problems;
}
