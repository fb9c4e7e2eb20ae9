-- wrk script: POST /api/v1/orders with a new order each time (ids unique per run, thread and
-- request), counting the answers by status, so the run can check that the store gained exactly
-- the orders the server said it created.
local threads = {}
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local token = os.getenv("BENCH_TOKEN")

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    sent, created, other = 0, 0, 0
end

function request()
    sent = sent + 1
    local order = string.format("bench-%s-%d-%d", run, tid, sent)
    local customer = string.format("bench-customer-%d", (tid * 7919 + sent) % 50000)
    local body = string.format(
        '{"source":"bench","external_id":"%s","placed_at":"2025-06-01T12:00:00Z","currency":"USD",' ..
        '"total":"19.90","status":"paid","customer":{"external_id":"%s"}}', order, customer)
    return wrk.format("POST", "/api/v1/orders",
        {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
    if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
    local s, c, o = 0, 0, 0
    for _, thread in ipairs(threads) do
        s = s + thread:get("sent")
        c = c + thread:get("created")
        o = o + thread:get("other")
    end
    -- "sent" includes the requests still in flight when the run stopped: the server may have
    -- stored them though wrk never read their answers.
    io.write(string.format("created %d other %d sent %d\n", c, o, s))
end
