export * from "./browser.js";
export * from "./pg.js";
export * from "./random.js";
export * from "./s3-fault-proxy.js";
export * from "./s3-store-contract.js";
export * from "./s3rver.js";
export * from "./services.js";
