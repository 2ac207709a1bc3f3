-- POST /login with the seeded user's form; wrk keeps no cookies, so every login makes a session.
wrk.method = "POST"
wrk.body = "username=bench&password=bench-password-123"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
