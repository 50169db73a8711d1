// examples/taxi-trips/taxi-trips.test.ts, with the bindings on their AWS transport against Tributary's own AWS APIs.
import './aws-mode.ts'
import '../../../examples/taxi-trips/taxi-trips.test.ts'
