"""A replica's /metrics served by prometheus_client, the library vLLM exposes its metrics
with: the same histogram and counter types, labels and name[] filtering. Commands on stdin,
one per line, each answered "ok" on stdout:
  observe <seconds>   an observation of vllm:request_queue_time_seconds (engine 0)
  tokens <n>          vllm:generation_tokens_total grows by n (engine 0)
Prints "listening <port>" once it serves. Started again on the same port, it is a restarted
replica: every count starts from 0."""
import sys
from prometheus_client import Counter, Histogram, start_http_server

port = int(sys.argv[1])
labels = ["model_name", "engine"]
queue = Histogram("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", labels,
                  buckets=[0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0])
tokens = Counter("vllm:generation_tokens", "Number of generation tokens processed.", labels)
# vLLM creates its label sets at start: the series exist, at 0, before any request.
queue.labels("phi-4-mini", "0")
tokens.labels("phi-4-mini", "0")

start_http_server(port, addr="127.0.0.1")
print(f"listening {port}", flush=True)
for line in sys.stdin:
    command, _, argument = line.strip().partition(" ")
    if command == "observe":
        queue.labels("phi-4-mini", "0").observe(float(argument))
    elif command == "tokens":
        tokens.labels("phi-4-mini", "0").inc(float(argument))
    print("ok", flush=True)
