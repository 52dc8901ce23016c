-- Replicate the script's writes rather than the script (it reads TIME). First in a script.
if redis.replicate_commands then redis.replicate_commands() end
