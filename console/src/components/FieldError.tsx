/** The message shown under a form field that an error names; `id` is what the field's
 * aria-describedby points at. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="field-error" role="alert">
      {message}
    </p>
  );
}

/** Which of `fields` an error's field path (`rateLimit.requests`, `config.url`) belongs to. */
export function fieldErrorFor(fields: readonly string[], path: string | undefined): string | undefined {
  if (!path) return undefined;
  return fields.find((field) => path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`));
}
