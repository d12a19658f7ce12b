"""The domain: every rule about who may do what, in which meeting state. Views and socket handlers
call these functions with an explicit actor; the caller commits."""
