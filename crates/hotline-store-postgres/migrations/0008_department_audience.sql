-- Whom a department serves: the platform's buyers or its sellers.
ALTER TABLE departments ADD COLUMN audience TEXT NOT NULL DEFAULT 'buyers';
