-- POST /api/v1/tickets/{id}/messages on a random ticket, as the ticket's customer.
request = function()
  local body = '{"body":"Any news on this? The export still fails for me this morning."}'
  return wrk.format("POST", "/api/v1/tickets/" .. pick_id() .. "/messages", nil, body)
end
