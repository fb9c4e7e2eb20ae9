-- wrk script: POST /s/p/{token} (a survey's public link), one complete response per request from
-- a new visitor each time, counting the answers by status, so the run can check that the store
-- holds every response the server thanked for (200) and no more than were sent.
--
-- Env: BENCH_TOKEN (the survey's public token), BENCH_STAMP (a stamp read from the page; stamps
-- do not expire and the bench survey's minimum fill time is 0), BENCH_RUN (6 characters of
-- [A-Za-z0-9], different per run).
--
-- The visitor key is the per-link rate limit's key (20 posts a minute each), so it must differ
-- on every request: BENCH_RUN (6) + thread (2) + counter (14) = 22 characters, the token shape the
-- server accepts.
local threads = {}
local run = os.getenv("BENCH_RUN") or "bench0"
local token = os.getenv("BENCH_TOKEN")
local stamp = os.getenv("BENCH_STAMP")
assert(token and stamp, "BENCH_TOKEN and BENCH_STAMP are needed")
assert(#run == 6 and run:match("^[A-Za-z0-9]+$"), "BENCH_RUN: 6 characters of [A-Za-z0-9]")
local path = "/s/p/" .. token
local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
-- Reasons as a customer writes them (a quarter of the responses give one), form-encoded.
local reasons = {
    "Fast+delivery+and+friendly+support",
    "The+tea+arrived+stale%2C+very+disappointing",
    "Good+prices+but+the+website+is+slow",
    "Everything+was+fine",
}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    sent, thanked, other = 0, 0, 0
    statuses = {}
end

function request()
    sent = sent + 1
    local visitor = string.format("%s%02d%014d", run, tid, sent)
    local body = string.format("page=1&stamp=%s&visitor=%s&q.nps=%d", stamp, visitor, (tid * 7 + sent) % 11)
    if sent % 4 == 0 then
        body = body .. "&q.reason=" .. reasons[(sent / 4) % #reasons + 1]
    end
    return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
    if status == 200 then
        thanked = thanked + 1
    else
        other = other + 1
        statuses[status] = (statuses[status] or 0) + 1
    end
end

function done(summary, latency, requests)
    local s, t, o = 0, 0, 0
    for _, thread in ipairs(threads) do
        s = s + thread:get("sent")
        t = t + thread:get("thanked")
        o = o + thread:get("other")
    end
    -- "sent" counts the requests still in flight when the run stopped: the server may have
    -- stored them though wrk never read their answers.
    io.write(string.format("thanked %d other %d sent %d\n", t, o, s))
    for _, thread in ipairs(threads) do
        local st = thread:get("statuses")
        for code, n in pairs(st) do
            io.write(string.format("status %d: %d (thread %d)\n", code, n, thread:get("tid")))
        end
    end
end
