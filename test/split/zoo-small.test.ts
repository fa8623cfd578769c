import { zooEquivalenceTest } from "./zoo-equivalence.js";

for (const name of ["alexnet", "mobilenet_v3_large", "mobilenet_v3_small", "squeezenet1_1", "resnet50"]) zooEquivalenceTest(name);
