import { onAuthStateChanged, signInWithEmailAndPassword, signOut, type User } from "firebase/auth";
import { type FormEvent, useEffect, useState } from "react";

import { errorMessage } from "./api";
import { firebase } from "./firebase";

/** The signed-in user: undefined while Auth restores a session, null when signed out. */
export function useUser(): User | null | undefined {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  useEffect(() => {
    let stop: (() => void) | undefined;
    void firebase().then(({ auth }) => {
      stop = onAuthStateChanged(auth, setUser);
    });
    return () => stop?.();
  }, []);
  return user;
}

export async function signOutNow(): Promise<void> {
  const { auth } = await firebase();
  await signOut(auth);
}

const AUTH_MESSAGES: Record<string, string> = {
  "auth/invalid-credential": "Wrong email or password.",
  "auth/wrong-password": "Wrong email or password.",
  "auth/user-not-found": "Wrong email or password.",
  "auth/invalid-email": "That is not an email address.",
  "auth/too-many-requests": "Too many attempts; wait a moment.",
};

export function SignIn() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { auth } = await firebase();
      await signInWithEmailAndPassword(auth, email, password);
    } catch (failure) {
      const code = (failure as { code?: string }).code ?? "";
      setError(AUTH_MESSAGES[code] ?? errorMessage(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Integrations console</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          Email
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
