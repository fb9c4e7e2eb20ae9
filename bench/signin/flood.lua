-- wrk script: a flood of bad sign-ins. Every request is a new e-mail and a wrong password, from
-- one of ADDRESSES client addresses (198.18.0.0/15, the benchmarking range), sent as
-- X-Forwarded-For to a server that trusts the load generator as its proxy: what a botnet behind
-- the TLS proxy looks like. The login form's double-submit token is any value its cookie repeats.
-- Prints the count of each status at the end.

local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    counter = id * 1000000000
    addresses = tonumber(os.getenv("ADDRESSES") or "10000")
    statuses = {}
end

function request()
    counter = counter + 1
    local address = counter % addresses
    local client = string.format("198.18.%d.%d", math.floor(address / 256) % 256, address % 256)
    local body = "csrf=t&password=wrong+guess&email=flood" .. counter .. "%40flood.example"
    local headers = {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Cookie"] = "tenure_login=t",
        ["X-Forwarded-For"] = client,
    }
    return wrk.format("POST", "/login", headers, body)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        for status, count in pairs(thread:get("statuses")) do
            total[status] = (total[status] or 0) + count
        end
    end
    for status, count in pairs(total) do
        io.write(string.format("status %d: %d\n", status, count))
    end
end
