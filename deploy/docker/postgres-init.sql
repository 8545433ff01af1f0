-- deploy/compose.yml: the PostgreSQL container runs this once, on its first start (empty volume).
-- POSTGRES_DB (rasa) is created by the image itself: Rasa's tracker store. This adds the live chat's.
CREATE DATABASE livechat;
