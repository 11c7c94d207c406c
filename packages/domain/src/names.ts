/**
 * AWS's name rule for state machines, executions and activities: 1–80 characters, none of
 * whitespace, `< > { } [ ] ? * " # % \ ^ | ~ \` $ & , ; : /`, control characters
 * (U+0000–001F, U+007F–009F), U+FFFE–FFFF or lone surrogates. Anything else, non-ASCII
 * included, is fine. (AWS API reference, CreateStateMachine `name`.)
 */
export const isValidName = (name: string): boolean => {
  if (name.length < 1 || name.length > 80) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xfffe || c === 0xffff) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = name.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return false;
    if ('<>{}[]?*"#%\\^|~`$&,;:/'.includes(name[i]!)) return false;
    if (/\s/u.test(name[i]!)) return false;
  }
  return true;
};
