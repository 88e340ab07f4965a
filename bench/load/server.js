// Benchmark target (used when the example router is not built, and for the delay/stall runs).
//   MODE=fast   answer at once
//   MODE=delay  every 20th request (5 %) is delayed 300 ms, the rest answer at once
//   MODE=stall  answer at once, except that nothing is answered between STALL_AT and STALL_AT+1 s
const http = require("node:http");
const mode = process.env.MODE || "fast";
const stallAt = Number(process.env.STALL_AT || 3) * 1000;
let count = 0;
let first = 0;
const body = '{"status":"ok"}';
http
  .createServer((req, res) => {
    const answer = () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    };
    count += 1;
    if (mode === "delay" && count % 20 === 0) return void setTimeout(answer, 300);
    if (mode === "stall") {
      const now = Date.now();
      if (first === 0) first = now;
      const start = first + stallAt;
      if (now >= start && now < start + 1000) return void setTimeout(answer, start + 1000 - now);
    }
    answer();
  })
  .listen(Number(process.env.PORT || 8099), "127.0.0.1");
