// The Firebase JS SDK, bundled (never loaded from /__/firebase/<version>/..., which hangs offline).
// Served from 127.0.0.1 or localhost, the console talks to the emulator suite; anywhere else it reads
// the project's web config from Hosting's /__/firebase/init.json.
import { type FirebaseApp, type FirebaseOptions, initializeApp } from "firebase/app";
import { type Auth, connectAuthEmulator, getAuth } from "firebase/auth";
import { connectFunctionsEmulator, type Functions, getFunctions } from "firebase/functions";
import type { Firestore } from "firebase/firestore";

export const EMULATED = ["127.0.0.1", "localhost"].includes(window.location.hostname);
const EMULATOR_HOST = "127.0.0.1";
const LOCAL_CONFIG: FirebaseOptions = {
  projectId: "demo-integrations",
  // The Auth emulator accepts any API key.
  apiKey: "demo-api-key",
  authDomain: `${EMULATOR_HOST}`,
};

export interface Services {
  app: FirebaseApp;
  auth: Auth;
  functions: Functions;
}

async function webConfig(): Promise<FirebaseOptions> {
  if (EMULATED) return LOCAL_CONFIG;
  const response = await fetch("/__/firebase/init.json");
  if (!response.ok) throw new Error(`could not read the Firebase config (${response.status})`);
  return (await response.json()) as FirebaseOptions;
}

async function start(): Promise<Services> {
  const app = initializeApp(await webConfig());
  const auth = getAuth(app);
  const functions = getFunctions(app, "us-central1");
  if (EMULATED) {
    connectAuthEmulator(auth, `http://${EMULATOR_HOST}:9099`, { disableWarnings: true });
    connectFunctionsEmulator(functions, EMULATOR_HOST, 5001);
  }
  return { app, auth, functions };
}

let services: Promise<Services> | undefined;

/** The app, Auth and Functions, created once. */
export function firebase(): Promise<Services> {
  services ??= start();
  return services;
}

let firestore: Promise<Firestore> | undefined;

/** Firestore, loaded on first use: it is half of the SDK's weight and only live views need it. */
export function lazyFirestore(): Promise<Firestore> {
  firestore ??= (async () => {
    const [{ app }, sdk] = await Promise.all([firebase(), import("firebase/firestore")]);
    const db = sdk.getFirestore(app);
    if (EMULATED) sdk.connectFirestoreEmulator(db, EMULATOR_HOST, 8080);
    return db;
  })();
  return firestore;
}
