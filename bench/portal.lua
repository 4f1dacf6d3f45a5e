-- bench/portal.lua — wrk script for bench/portal.sh: every request carries
-- the session cookie of a signed-in artist (FT_SESSION, from curl's sign-in),
-- so wrk measures the authenticated API, not the 401 path.  Non-2xx answers
-- are counted by wrk itself ("Non-2xx or 3xx responses").
local session = os.getenv("FT_SESSION")
if session == nil or session == "" then
	error("FT_SESSION is not set (bench/portal.sh signs in and sets it)")
end
wrk.headers["Cookie"] = "ft_session=" .. session
wrk.headers["Accept"] = "application/json"
