// Staging load test: 50 virtual users for 5 minutes.
//   k6 run -e BASE_URL=https://staging-api.example -e API_KEY=... testing/load/staging.js
import { sleep } from "k6";
import { exercise } from "./common.js";

export const options = {
  vus: 50,
  duration: "5m",
  thresholds: {
    http_req_duration: ["p(95)<800"],
    http_req_failed: ["rate<0.01"],
  },
};

export default function () {
  exercise();
  sleep(1);
}
