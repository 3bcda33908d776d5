#!/usr/bin/env python3
"""The users of the test domain and what the DC answers for each.

Imported by the checks (any Python); `users.py create DIR` adds them to a freshly provisioned DC
(tests/domain/provision.sh) through Samba's own Python bindings, which exist for the system
Python only (/usr/bin/python3)."""
import os
import sys

DOMAIN = "EXAMPLE"
REALM = "EXAMPLE.TEST"
PASSWORD = "Secret123"
# Latin-1, BMP and a supplementary-plane character (a UTF-16 surrogate pair), as in the interop
# matrix (tests/interop/run.py).
BOB_PASSWORD = "P\u00e4ssw\u00f6rd\u20ac\u00f1\U0001f511"

# NTSTATUS values the DC gives (MS-ERREF 2.3.1).
STATUS = {
    "STATUS_SUCCESS": 0x00000000,
    "STATUS_WRONG_PASSWORD": 0xC000006A,
    "STATUS_NO_SUCH_USER": 0xC0000064,
    "STATUS_ACCOUNT_DISABLED": 0xC0000072,
    "STATUS_ACCOUNT_EXPIRED": 0xC0000193,
    "STATUS_PASSWORD_MUST_CHANGE": 0xC0000224,
    "STATUS_PASSWORD_EXPIRED": 0xC0000071,
    "STATUS_INVALID_LOGON_HOURS": 0xC000006F,
    "STATUS_INVALID_WORKSTATION": 0xC0000070,
    "STATUS_ACCOUNT_LOCKED_OUT": 0xC0000234,
}

# (user, password, the NTSTATUS of an NTLMv2 logon with that password). Samba checks the
# password first (a wrong one is STATUS_WRONG_PASSWORD whatever the account's state), then the
# account (source4/auth/sam.c authsam_account_ok), so each state is seen with the right password.
LOGONS = [
    ("alice", PASSWORD, "STATUS_SUCCESS"),
    ("bob", BOB_PASSWORD, "STATUS_SUCCESS"),
    ("alice", "Secret124", "STATUS_WRONG_PASSWORD"),
    ("mallory", PASSWORD, "STATUS_NO_SUCH_USER"),
    ("disabled", PASSWORD, "STATUS_ACCOUNT_DISABLED"),
    ("acctexpired", PASSWORD, "STATUS_ACCOUNT_EXPIRED"),
    ("mustchange", PASSWORD, "STATUS_PASSWORD_MUST_CHANGE"),
    ("pwexpired", PASSWORD, "STATUS_PASSWORD_EXPIRED"),
    ("nohours", PASSWORD, "STATUS_INVALID_LOGON_HOURS"),
    ("otherws", PASSWORD, "STATUS_INVALID_WORKSTATION"),
    ("lockedout", PASSWORD, "STATUS_ACCOUNT_LOCKED_OUT"),
]

# The bad passwords that lock `lockedout` out (its PSO's threshold), sent by run.sh at start.
LOCKOUT_THRESHOLD = 2


def create(d):
    import ldb
    from samba.auth import system_session
    from samba.param import LoadParm
    from samba.samdb import SamDB

    lp = LoadParm()
    lp.load(os.path.join(d, "etc", "smb.conf"))
    db = SamDB(url=os.path.join(d, "private", "sam.ldb"), session_info=system_session(), lp=lp)
    base = str(db.domain_dn())

    def modify(user, **attrs):
        m = ldb.Message()
        m.dn = ldb.Dn(db, f"CN={user},CN=Users,{base}")
        for name, value in attrs.items():
            m[name] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, name)
        db.modify(m)

    def pso(name, precedence, applies_to, **attrs):
        # A fine-grained password policy for one user (MS-ADTS 3.1.1.5.3.1.1.2), so that the
        # other users keep the domain's policy.
        settings = {
            "objectClass": "msDS-PasswordSettings",
            "msDS-PasswordSettingsPrecedence": str(precedence),
            "msDS-PasswordReversibleEncryptionEnabled": "FALSE",
            "msDS-PasswordHistoryLength": "0",
            "msDS-PasswordComplexityEnabled": "FALSE",
            "msDS-MinimumPasswordLength": "0",
            "msDS-MinimumPasswordAge": "0",
            "msDS-MaximumPasswordAge": "-9223372036854775808",
            "msDS-LockoutThreshold": "0",
            "msDS-LockoutObservationWindow": "-18000000000",
            "msDS-LockoutDuration": "-18000000000",
            "msDS-PSOAppliesTo": f"CN={applies_to},CN=Users,{base}",
        }
        settings.update(attrs)
        db.add({"dn": f"CN={name},CN=Password Settings Container,CN=System,{base}", **settings})

    for user in ("alice", "disabled", "acctexpired", "pwexpired", "nohours", "otherws", "lockedout"):
        db.newuser(user, PASSWORD)
    db.newuser("bob", BOB_PASSWORD)
    db.newuser("mustchange", PASSWORD, force_password_change_at_next_login_req=True)
    db.disable_account("(sAMAccountName=disabled)")
    # 1970-01-01 as a FILETIME: long past.
    modify("acctexpired", accountExpires="116444736000000000")
    # One bit per hour of the week (MS-ADTS 2.2.8 logonHours); all clear: never.
    modify("nohours", logonHours=bytes(21))
    modify("otherws", userWorkstations="ELSEWHERE")
    # An expired password needs a pwdLastSet older than the maximum age, and Samba counts a
    # maximum age under one day as none (operational.c,
    # get_msds_user_password_expiry_time_computed): a two-day maximum (intervals are negative
    # 100 ns counts) and the password set again with pwdLastSet in 1970. LDAP takes only 0 or -1
    # for pwdLastSet; Samba's DSDB_CONTROL_PASSWORD_BYPASS_LAST_SET control (what its passdb
    # uses) lets a password change carry its own time.
    pso("pso-pwexpired", 10, "pwexpired", **{"msDS-MaximumPasswordAge": "-1728000000000"})
    m = ldb.Message()
    m.dn = ldb.Dn(db, f"CN=pwexpired,CN=Users,{base}")
    m["unicodePwd"] = ldb.MessageElement(f'"{PASSWORD}"'.encode("utf-16-le"), ldb.FLAG_MOD_REPLACE, "unicodePwd")
    m["pwdLastSet"] = ldb.MessageElement("116444736000000000", ldb.FLAG_MOD_REPLACE, "pwdLastSet")
    db.modify(m, controls=["local_oid:1.3.6.1.4.1.7165.4.3.20:0"])
    # Locked out after LOCKOUT_THRESHOLD bad passwords, for 30 minutes.
    pso("pso-lockedout", 11, "lockedout", **{"msDS-LockoutThreshold": str(LOCKOUT_THRESHOLD)})
    print("users created")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "create":
        create(sys.argv[2])
    else:
        sys.exit("usage: users.py create DIR")
