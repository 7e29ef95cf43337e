import { useState } from "react";

/** A secret the server answers once (a new key, a signing secret): hidden until asked for, copied with
 * a confirmation. */
export function SecretOnce({ label, value }: { label: string; value: string }) {
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  }

  return (
    <>
      <div className="row">
        <input
          readOnly
          type={shown ? "text" : "password"}
          value={value}
          aria-label={label}
          className="key"
          onFocus={(e) => e.target.select()}
        />
        <button type="button" onClick={() => setShown(!shown)} aria-pressed={shown}>
          {shown ? "Hide" : "Show"}
        </button>
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" aria-live="polite" className={copied === "failed" ? "error" : "ok"}>
        {copied === "yes" && "Copied to the clipboard."}
        {copied === "failed" && "The browser refused the clipboard: select the text and copy it."}
      </p>
    </>
  );
}
