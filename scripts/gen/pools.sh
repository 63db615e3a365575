# Word and sentence pools of the data generator (sourced by scripts/gen-data.sh). Written for this
# project. The generator picks from them with hash bits, so any pool may grow or shrink; keep them
# free of "<", ">" and "&" (the HTML bodies are built from them without escaping).
# shellcheck shell=bash disable=SC2034 # the arrays are used by gen-data.sh

# ---- people ----------------------------------------------------------------------------------------

# User names: first x last gives 4096 combinations; EMAIL_* are the same lists in ASCII.
FIRST_NAMES=(James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara
  Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty
  Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle
  Kenneth Carol Kevin Amanda Brian Melissa George Deborah Zoë Jürgen José Chloé François Søren Ana
  Mei Hiroshi Priya Olu Fatima Lars Ingrid Mateo Aiko Björn)
EMAIL_FIRST=(james mary robert patricia john jennifer michael linda david elizabeth william barbara
  richard susan joseph jessica thomas sarah charles karen christopher lisa daniel nancy matthew betty
  anthony margaret mark sandra donald ashley steven kimberly paul emily andrew donna joshua michelle
  kenneth carol kevin amanda brian melissa george deborah zoe juergen jose chloe francois soeren ana
  mei hiroshi priya olu fatima lars ingrid mateo aiko bjoern)
LAST_NAMES=(Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
  Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez
  Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green
  Adams Nelson Baker Hall Rivera Campbell Mitchell Müller Schröder Ørsted Łukasiewicz Dubois Rossi
  Tanaka Kowalski Novák Johansson Okafor Haddad Ivanova Yılmaz Silva Kim)
EMAIL_LAST=(smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
  gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez
  clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green
  adams nelson baker hall rivera campbell mitchell mueller schroeder oersted lukasiewicz dubois rossi
  tanaka kowalski novak johansson okafor haddad ivanova yilmaz silva kim)
EMAIL_DOMAINS=(example.com example.org example.net mail.example.com corp.example.com
  shop.example.org example.de example.fr)

# ---- reference data created when missing -----------------------------------------------------------

# "name" = top-level department, "parent/name" = sub-department.
DEPARTMENTS=("Support" "Sales" "Billing" "IT Operations" "Maintenance" "Support/Level 2"
  "Support/Hardware" "IT Operations/Network" "IT Operations/Security" "Sales/Partners")
# first last department (agents get usernames first.last)
STAFF=("Alice Novak/Support" "Bruno Costa/Support" "Chen Wei/Support" "Dana Fischer/Support"
  "Emeka Obi/Level 2" "Farah Aziz/Level 2" "Gustav Berg/Hardware" "Hana Sato/Hardware"
  "Ivan Petrov/Sales" "Julia Weber/Sales" "Kofi Mensah/Partners" "Laura Conti/Billing"
  "Marek Dvořák/Billing" "Nina Larsen/IT Operations" "Oscar Ruiz/IT Operations"
  "Paula Mendes/Network" "Quentin Roux/Security" "Rita Kovács/Maintenance"
  "Samir Haddad/Maintenance" "Tomasz Nowak/Support")
TEAMS=("Level I Support" "Level II Support" "Network Team" "Field Service" "Escalations")
# name grace-hours
SLAS=("Default SLA/18" "Priority SLA/4" "Extended SLA/72")
# "topic/department/SLA/priority" (sub-topic: "Parent topic::Child")
TOPICS=("General Inquiry/Support//normal" "Report a Problem/Support/Default SLA/normal"
  "Report a Problem::Access Issue/Level 2/Priority SLA/high" "Billing Question/Billing//normal"
  "Feature Request/Sales/Extended SLA/low" "Hardware Request/Hardware/Default SLA/normal"
  "Network Outage/Network/Priority SLA/emergency")

# ---- subjects --------------------------------------------------------------------------------------

SUBJ_PROBLEM=("Cannot access" "Error when opening" "Slow response from" "Unable to configure"
  "Question about" "Request for a new" "Problem with" "Crash in" "Login fails for"
  "Billing issue with" "Cannot print from" "Update failed for" "Missing data in"
  "Password reset for" "Timeout connecting to" "Strange behaviour of")
SUBJ_OBJECT=(printer laptop VPN "email account" invoice "mobile app" website database "file server"
  Wi-Fi monitor keyboard "shared drive" CRM calendar "phone system" "backup job" "license key"
  "user account" "payment portal" report dashboard "API integration" firewall router projector scanner
  "software update" order subscription "warranty claim" "docking station")
SUBJ_QUALIFIER=("" " on the 3rd floor" " since this morning" " after the update" " (urgent)"
  " for the Berlin office" " again" " in the new building" " for our team" " - follow-up"
  " since yesterday" " on Windows 11" " on macOS" " after password change" " in production"
  " for customer account")

# ---- thread bodies ---------------------------------------------------------------------------------

MSG_GREETING=("Hello," "Hi team," "Good morning," "Dear support," "Hi," "Hello support team,"
  "Good afternoon," "Hey there,")
MSG_SENTENCES=("Since this morning I cannot log in to my account."
  "The error message says that the connection was reset."
  "I already restarted the computer twice, without success."
  "This is blocking our whole team from working."
  "Could you please have a look at it as soon as possible?"
  "The problem started right after the last update."
  "I attached a screenshot of the error."
  "It works on my colleague's machine but not on mine."
  "We noticed the issue first on Monday."
  "Our order number is mentioned in the subject."
  "The invoice shows an amount that does not match our contract."
  "Is there a workaround we can use in the meantime?"
  "The page loads for a long time and then shows a blank screen."
  "We have about twenty users affected."
  "I tried clearing the browser cache as suggested in the FAQ."
  "The device makes a clicking noise when it starts."
  "Please call me back, my number is in my profile."
  "This is the third time this month that this happens."
  "I would like to know the status of my request."
  "We need this fixed before the end of the quarter."
  "The log file is attached to this message."
  "Nothing changed on our side as far as I know."
  "The reset link in the e-mail does not work."
  "Our manager asked me to escalate this."
  "It only happens when I am connected through the VPN."
  "The synchronisation stopped at 42 percent."
  "Could you also update the billing address?"
  "The new colleague starts next week and needs access."
  "Thanks for the quick reply last time."
  "The warranty should still be valid until next year."
  "I am not sure which department is responsible for this."
  "Let me know if you need any further information.")
MSG_CLOSING=("Thanks," "Best regards," "Kind regards," "Thank you in advance," "Cheers," "Regards,"
  "Many thanks," "Thanks a lot,")
RESP_GREETING=("Hello," "Hi," "Dear customer," "Good morning," "Hello again," "Hi there,")
RESP_SENTENCES=("Thank you for contacting us."
  "I am sorry for the inconvenience this has caused."
  "I have forwarded your request to our second-level team."
  "Could you please send us the exact error message?"
  "We have reset your password; you will receive an e-mail shortly."
  "The issue was caused by a configuration change on our side and is fixed now."
  "Please restart the application and try again."
  "I have created a new license key for you."
  "Our technician will visit you tomorrow between 9 and 12."
  "The invoice has been corrected and a credit note was issued."
  "We are aware of the outage and are working on it."
  "Could you confirm that the problem is solved?"
  "I have increased your mailbox quota."
  "A firmware update for the device is available."
  "We have restored the file from last night's backup."
  "The access rights have been granted."
  "Please check whether the cable is plugged in correctly."
  "I will close this ticket if we do not hear from you within a week."
  "Your order has been shipped today."
  "We recommend upgrading to the latest version."
  "I have attached a short guide to this reply."
  "The VPN profile has been renewed."
  "Our developers have identified the bug and prepared a fix."
  "The replacement device is on its way.")
RESP_CLOSING=("Best regards," "Kind regards," "Regards," "Thank you," "Have a nice day,")
NOTE_TITLES=("Internal note" "Escalation" "Call summary" "Follow-up" "Status update")
NOTE_SENTENCES=("Customer called, waiting for logs."
  "Checked with the vendor, replacement approved."
  "Same issue as last week, see the linked ticket."
  "Escalated to the network team."
  "VIP customer, please handle with priority."
  "Waiting for the maintenance window on Friday."
  "Root cause: expired certificate."
  "Billing confirmed the credit note."
  "Remote session done, issue not reproducible."
  "Assigned to second level after phone call."
  "Spare part ordered, delivery in 3 days."
  "Customer prefers contact by e-mail."
  "Duplicate of an older request."
  "License renewed until next year."
  "Configuration backup taken before the change."
  "Needs approval from the department manager.")
