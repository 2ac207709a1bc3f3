-- GET the URL with a different session's cookie on each request, in turn: the cookies come after
-- `--` on wrk's command line, one per session (the driver logs in once per connection). Many users
-- each with their own session is what a shop sees; one cookie on every connection is not.
local requests, n = {}, 0

function init(args)
    for _, cookie in ipairs(args) do
        table.insert(requests, wrk.format(nil, nil, { Cookie = cookie }))
    end
    if #requests == 0 then
        requests[1] = wrk.format()
    end
end

function request()
    n = n % #requests + 1
    return requests[n]
end
