-- A librarian's portfolio in the data bank: links to materials, certificates and webinars.
ALTER TABLE librarians ADD COLUMN portfolio TEXT NOT NULL DEFAULT '';
