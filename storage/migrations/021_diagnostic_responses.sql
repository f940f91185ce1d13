-- Remote diagnosis: the answers a T-box returned to a diagnostic request
-- (proto CommandAck.responses), as received: [{ ecu, data (hex), elapsedMs }].
-- Kept raw and decoded when read (decoders/diagnostics/response.ts), so a
-- better decoder later reads old answers better too. NULL: no answer (yet).
ALTER TABLE commands ADD COLUMN responses jsonb;
