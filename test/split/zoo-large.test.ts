import { zooEquivalenceTest } from "./zoo-equivalence.js";

// Resident mode runs the stitched graph, identical for every architecture and covered by the
// small models; on these large ones only the chained run is compared, to keep the suite quick.

for (const name of ["vgg16", "vgg19", "resnet101"]) zooEquivalenceTest(name, ["chained"]);
