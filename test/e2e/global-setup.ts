import type { TestProject } from "vitest/node";
import { type RunningServer, startServer } from "../helpers/server";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

let server: RunningServer | undefined;

export async function setup(project: TestProject) {
  // A project may run the layer against a sharded server (vitest.config.ts "e2e-sharded").
  const cap = project.config.env?.SHARD_SOCKET_CAP;
  server = await startServer(undefined, undefined, cap ? ["--var", `SHARD_SOCKET_CAP:${cap}`] : []);
  project.provide("baseUrl", server.base);
}

export async function teardown() {
  await server?.stop();
}
