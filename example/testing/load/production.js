// Production load test: constant 500 requests per second for 5 minutes.
//   k6 run -e BASE_URL=https://green-api.example -e API_KEY=... testing/load/production.js
import { exercise } from "./common.js";

export const options = {
  scenarios: {
    constant_rate: {
      executor: "constant-arrival-rate",
      rate: 500,
      timeUnit: "1s",
      duration: "5m",
      preAllocatedVUs: 200,
      maxVUs: 1000,
    },
  },
  thresholds: {
    http_req_duration: ["p(95)<800"],
    http_req_failed: ["rate<0.01"],
    dropped_iterations: ["count<1"],
  },
};

export default function () {
  exercise();
}
