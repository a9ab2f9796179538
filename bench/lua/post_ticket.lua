-- POST /api/v1/tickets: one of 500 customer emails (found or created), a tag, a body.
request = function()
  local n = math.random(500)
  local body = '{"subject":"Bench: cannot export invoices","body":"Hello, the export button ' ..
    'does nothing when I click it. Order 4411.","customer":{"email":"bench-customer' .. n ..
    '@example.com","name":"Bench Customer ' .. n .. '"},"priority":"medium","tags":["billing"]}'
  return wrk.format("POST", "/api/v1/tickets", nil, body)
end
