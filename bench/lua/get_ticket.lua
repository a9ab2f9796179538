-- GET /api/v1/tickets/{id}, a random id of the bench workspace each time.
request = function()
  return wrk.format("GET", "/api/v1/tickets/" .. pick_id())
end
