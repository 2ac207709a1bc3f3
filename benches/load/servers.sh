# Helpers the load scripts share (run.sh, ab.sh source this). Both need $SCRATCH, a scratch directory.

# Waits up to 10 s for a bench server to answer on port $1.
wait_port() {
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/bare" && return 0; sleep 0.1; done
    echo "server on port $1 did not come up" >&2; return 1
}

# Logs in once with curl and prints the Cookie header value to send.
cookie_for() { # port
    local jar="$SCRATCH/jar$1"
    rm -f "$jar"
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -d 'username=bench&password=bench-password-123' "http://127.0.0.1:$1/login")
    [[ $code == 200 ]] || { echo "login on port $1 answered $code" >&2; return 1; }
    awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) print $6 "=" $7 }' "$jar" | head -1
}
