import type { TestProject } from "vitest/node";
import { type RunningServer, startServer } from "../helpers/server";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

let server: RunningServer | undefined;

export async function setup(project: TestProject) {
  server = await startServer();
  project.provide("baseUrl", server.base);
}

export async function teardown() {
  await server?.stop();
}
