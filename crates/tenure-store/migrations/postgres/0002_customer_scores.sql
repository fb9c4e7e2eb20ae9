-- Model scores per customer (issue 4): probability alive, expected purchases over a horizon,
-- expected spend and CLV from one model fit as of one shop-calendar day. The whole set is
-- replaced after each refit. as_of is the day as TEXT `YYYY-MM-DD`; money is BIGINT minor
-- units of `currency`, rounded.

CREATE TABLE customer_scores (
    customer_id           BIGINT           PRIMARY KEY REFERENCES customers (id),
    currency              TEXT             NOT NULL,
    model                 TEXT             NOT NULL,
    as_of                 TEXT             NOT NULL,
    probability_alive     DOUBLE PRECISION NOT NULL,
    expected_purchases    DOUBLE PRECISION NOT NULL,
    horizon_days          BIGINT           NOT NULL,
    expected_spend_minor  BIGINT           NOT NULL,
    clv_minor             BIGINT           NOT NULL
);
CREATE INDEX customer_scores_by_clv ON customer_scores (currency, clv_minor);
CREATE INDEX customer_scores_by_alive ON customer_scores (currency, probability_alive);
