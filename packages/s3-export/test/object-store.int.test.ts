import { describeObjectStoreContract } from "@cobuy/test-utils";
import { targets } from "./helpers.js";

describeObjectStoreContract(
  targets.map((t) => ({
    name: t.name,
    async setup() {
      const started = await t.start();
      return { store: await started.fresh(), missing: started.missing(), teardown: started.stop };
    },
  })),
);
