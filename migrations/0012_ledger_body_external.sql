-- Ledger bodies are streamed to the public in slices (substr); stored uncompressed out of line, a slice is read
-- directly instead of decompressing the body from its start for every slice. Applies to entries written from now
-- on (the ledger is append-only: the entries already written keep their storage). Not modelled by drizzle-kit.
ALTER TABLE "ledger" ALTER COLUMN "body" SET STORAGE EXTERNAL;
