-- Ledger bodies are streamed to the public in slices (substr); stored uncompressed out of line, a slice does not
-- decompress the body (in UTF-8, PostgreSQL still reads the value from its start up to the slice's end). Applies to entries written from now
-- on (the ledger is append-only: the entries already written keep their storage). Not modelled by drizzle-kit.
ALTER TABLE "ledger" ALTER COLUMN "body" SET STORAGE EXTERNAL;
