-- CONTRACT §1 (billing schema), copied for the MySQLSource tests until
-- schema/billing.sql is in the repository. Keep in step with the contract.
CREATE TABLE BILLING_ACCOUNT (
  ban                BIGINT UNSIGNED NOT NULL,
  account_type       CHAR(1)       NOT NULL,
  account_sub_type   CHAR(2)       NOT NULL,
  ban_status         CHAR(1)       NOT NULL,
  status_date        DATE          NOT NULL,
  bill_cycle         VARCHAR(10)   NOT NULL,
  credit_class       CHAR(1)       NULL,
  credit_limit       DECIMAL(12,2) NULL,
  currency           CHAR(3)       NOT NULL DEFAULT 'USD',
  start_service_date DATE          NOT NULL,
  created_at         DATETIME(3)   NOT NULL,
  updated_at         DATETIME(3)   NOT NULL,
  PRIMARY KEY (ban)
);

CREATE TABLE CUSTOMER (
  customer_id        BIGINT UNSIGNED NOT NULL,
  ban                BIGINT UNSIGNED NOT NULL,
  customer_type      CHAR(1)       NOT NULL,
  first_name         VARCHAR(60)   NULL,
  last_name          VARCHAR(60)   NULL,
  company_name       VARCHAR(120)  NULL,
  email              VARCHAR(254)  NULL,
  phone              VARCHAR(20)   NULL,
  address_line1      VARCHAR(120)  NOT NULL,
  address_line2      VARCHAR(120)  NULL,
  city               VARCHAR(60)   NOT NULL,
  state_code         VARCHAR(3)    NULL,
  postal_code        VARCHAR(12)   NOT NULL,
  country_code       CHAR(2)       NOT NULL,
  birth_date         DATE          NULL,
  notes              MEDIUMTEXT    NULL,
  created_at         DATETIME(3)   NOT NULL,
  updated_at         DATETIME(3)   NOT NULL,
  PRIMARY KEY (customer_id),
  UNIQUE KEY uq_customer_ban (ban),
  CONSTRAINT fk_customer_ban FOREIGN KEY (ban) REFERENCES BILLING_ACCOUNT (ban)
);

CREATE TABLE SUBSCRIBER (
  subscriber_no        VARCHAR(20)  NOT NULL,
  ban                  BIGINT UNSIGNED NOT NULL,
  sub_status           CHAR(1)      NOT NULL,
  sub_status_date      DATE         NOT NULL,
  product_type         CHAR(1)      NOT NULL,
  price_plan           VARCHAR(9)   NOT NULL,
  init_activation_date DATE         NULL,
  created_at           DATETIME(3)  NOT NULL,
  updated_at           DATETIME(3)  NOT NULL,
  PRIMARY KEY (subscriber_no),
  KEY ix_subscriber_ban (ban),
  CONSTRAINT fk_subscriber_ban FOREIGN KEY (ban) REFERENCES BILLING_ACCOUNT (ban)
);

CREATE TABLE SERVICE_AGREEMENT (
  ban                BIGINT UNSIGNED NOT NULL,
  subscriber_no      VARCHAR(20)   NOT NULL,
  soc                VARCHAR(9)    NOT NULL,
  service_type       CHAR(1)       NOT NULL,
  effective_date     DATE          NOT NULL,
  expiration_date    DATE          NULL,
  monthly_rate       DECIMAL(9,2)  NOT NULL,
  created_at         DATETIME(3)   NOT NULL,
  updated_at         DATETIME(3)   NOT NULL,
  PRIMARY KEY (ban, subscriber_no, soc),
  KEY ix_sa_subscriber (subscriber_no),
  CONSTRAINT fk_sa_subscriber FOREIGN KEY (subscriber_no) REFERENCES SUBSCRIBER (subscriber_no)
);

CREATE TABLE BILL (
  ban                BIGINT UNSIGNED NOT NULL,
  bill_seq_number    INT UNSIGNED  NOT NULL,
  cycle_code         VARCHAR(10)   NOT NULL,
  cycle_close_date   DATE          NOT NULL,
  bill_date          DATE          NOT NULL,
  due_date           DATE          NOT NULL,
  previous_balance   DECIMAL(12,2) NOT NULL,
  payments           DECIMAL(12,2) NOT NULL,
  total_charges      DECIMAL(12,2) NOT NULL,
  total_taxes        DECIMAL(12,2) NOT NULL,
  amount_due         DECIMAL(12,2) NOT NULL,
  bill_status        CHAR(1)       NOT NULL,
  created_at         DATETIME(3)   NOT NULL,
  updated_at         DATETIME(3)   NOT NULL,
  PRIMARY KEY (ban, bill_seq_number),
  KEY ix_bill_cycle (cycle_code, cycle_close_date),
  CONSTRAINT fk_bill_ban FOREIGN KEY (ban) REFERENCES BILLING_ACCOUNT (ban)
);

CREATE TABLE CHARGE (
  ban                  BIGINT UNSIGNED NOT NULL,
  charge_seq           BIGINT UNSIGNED NOT NULL,
  activity_num         VARCHAR(12)   NOT NULL,
  subscriber_no        VARCHAR(20)   NULL,
  feature_code         VARCHAR(10)   NOT NULL,
  charge_creation_date DATE          NOT NULL,
  amount               DECIMAL(12,4) NOT NULL,
  tax_amount           DECIMAL(12,4) NOT NULL,
  bill_seq_number      INT UNSIGNED  NULL,
  description          VARCHAR(255)  NULL,
  created_at           DATETIME(3)   NOT NULL,
  updated_at           DATETIME(3)   NOT NULL,
  PRIMARY KEY (ban, charge_seq, activity_num),
  KEY ix_charge_sub_date (subscriber_no, charge_creation_date),
  KEY ix_charge_feature_date (feature_code, charge_creation_date),
  CONSTRAINT fk_charge_ban FOREIGN KEY (ban) REFERENCES BILLING_ACCOUNT (ban)
);
