// The one error the harness raises on purpose: the cluster cannot be built or started. Test suites
// skip on it (or fail, with CONVEYOR_REQUIRE_CLUSTER=1); anything else is a bug.
export class ClusterStartError extends Error {}
