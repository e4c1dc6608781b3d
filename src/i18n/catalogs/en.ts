/**
 * English: the source catalog. Every page and e-mail string, in ICU MessageFormat
 * (https://unicode-org.github.io/icu/userguide/format_parse/messages/): `{name}` is a value,
 * `{n, plural, one {…} other {…}}` a count, `<b>…</b>` words the page shows in bold (the views
 * decide the markup; values and text are escaped). Other catalogs have exactly these keys, with
 * the same placeholders (test: catalogs.test.ts).
 */
export const en = {
  // The frame of every page
  'layout.title': '{title} · Gatehouse',
  'layout.languages': 'Language',

  // Sign-in (login.ts)
  'login.title': 'Sign in',
  'login.titleAgain': 'Sign in again',
  'login.leadApp': 'to continue to <b>{app}</b>',
  'login.lead': 'with your Gatehouse account',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.notYou': 'Not you?',
  'login.submit': 'Sign in',
  'login.hint': 'You can sign in with your username or your email address.',
  'login.forgot': 'Forgot your password?',
  'login.register': 'Create an account',
  'login.missing': 'Enter your username and password.',
  'login.incorrect': 'The username or password is incorrect.',
  'login.unconfirmed':
    'Your e-mail address is not confirmed yet. Follow the link we sent you, or use "Forgot your password?" to get a new one.',
  'login.busy':
    'Gatehouse is too busy to check your password right now. Please try again in {seconds, plural, one {# second} other {# seconds}}.',
  'login.throttled':
    'Too many failed sign-in attempts. Please wait {seconds, plural, one {# second} other {# seconds}}, then try again.',
  'login.noticeReset': 'Your password has been changed. Sign in with your new password.',
  'signedIn.title': 'Signed in',
  'signedIn.heading': 'You are signed in',
  'signedIn.lead': 'as <b>{username}</b>.',
  'common.yourAccount': 'Your account',
  'common.signOut': 'Sign out',
  'common.cancel': 'Cancel',
  'common.signedInAs': 'Signed in as <b>{username}</b>',
  'common.backToSignIn': 'Back to sign in',
  'common.continue': 'Continue',
  'common.knowWhoYouAre': 'Know who you are on this server',
  'common.askingFor': 'It is asking for permission to:',
  'common.deny': 'Deny',

  // Throttled forms (browser.ts)
  'throttle.passwords':
    'Too many wrong passwords. Please wait {seconds, plural, one {# second} other {# seconds}}, then try again.',
  'throttle.network':
    'Too many requests from your network. Please wait {seconds, plural, one {# second} other {# seconds}}, then try again.',
  'password.rule':
    'Use at least {min, plural, one {# character} other {# characters}}; not your username or e-mail address.',

  // Consent (authorize.ts)
  'consent.title': 'Authorize access',
  'consent.heading': '<b>{app}</b> wants to access your account',
  'consent.allow': 'Allow',
  'consent.sendsBack': 'Allowing sends you back to <b>{host}</b>.',
  'consent.remembered': 'You will not be asked again for these permissions.',
  'consent.notRemembered':
    'You will be asked again next time: Gatehouse cannot verify which app on your device this is.',

  // The OpenID scopes on the consent page (unless scope_descriptions says otherwise)
  'scope.openid': 'Sign you in with your account',
  'scope.profile': 'See your username and name',
  'scope.email': 'See your e-mail address',
  'scope.offline_access': 'Keep access when you are not using the app (until you revoke it)',

  // Sign-out (login.ts, logout.ts)
  'logout.heading': 'Sign out?',
  'logout.lead': 'You are signed in as <b>{username}</b>.',
  'logout.thenAnother': 'You can then sign in with another account.',
  'signedOut.title': 'Signed out',
  'signedOut.heading': 'You are signed out',
  'signedOut.lead': 'You can close this window.',
  'signedOut.again': 'Sign in again',
  'endSession.heading': 'Sign out of Gatehouse?',
  'endSession.leadApp': '<b>{app}</b> asks to sign you out.',
  'endSession.lead': 'An app asks to sign you out.',
  'endSession.otherSession':
    "The app signed in with another account or session than this one. Signing out ends this browser's session.",
  'endSession.note': 'Signing out ends your Gatehouse session, and the sign-ins of the apps that used it.',
  'stillSignedIn.title': 'Still signed in',
  'stillSignedIn.heading': 'You are still signed in',
  'stillSignedIn.lead':
    'as <b>{username}</b>: your Gatehouse session is unchanged (the app may already have signed you out of itself).',
  'stillSignedIn.backTo': 'Back to {app}',
  'stillSignedIn.backToApp': 'Back to the app',

  // Sign-up and confirmation (registration.ts)
  'register.title': 'Create an account',
  'register.lead': 'Choose a username and a password.',
  'register.email': 'E-mail address',
  'register.passwordAgain': 'Password again',
  'register.submit': 'Create account',
  'register.haveAccount': 'I already have an account',
  'register.closedTitle': 'Sign-up is closed',
  'register.closedMessage': 'Accounts on this server are created by its administrators.',
  'checkEmail.title': 'Check your e-mail',
  'checkEmail.signUp': 'We sent a link to the address you gave. Follow it to activate your account.',
  'checkEmail.signUpContinue':
    'We sent a link to the address you gave. Follow it to activate your account, then come back here and sign in to continue.',
  'checkEmail.reset':
    'If the name or address you gave belongs to an account, we sent a link to its e-mail address to choose a new password.',
  'checkEmail.expires':
    'The link works for {duration}. Nothing there? Look in your spam folder, or ask again in a few minutes.',
  'confirm.title': 'Confirm your e-mail address',
  'confirm.lead': 'and activate the account <b>{username}</b>. Enter the password you chose when you signed up.',
  'confirm.submit': 'Confirm and activate my account',
  'confirm.notYours':
    'Not your account? Then someone else signed up with your address: ignore this page and the e-mail, and the account will not be activated.',
  'confirm.wrongPassword':
    'The password is incorrect. Enter the password you chose when you signed up (or sign up again to choose another).',
  'confirm.linkNotUsable':
    'It has expired, was already used, or a newer link was sent. If your account is not active yet, ask for a new link with "Forgot your password?" on the sign-in page.',
  'link.notUsableTitle': 'This link does not work any more',

  // Password reset (resetting.ts)
  'reset.title': 'Reset your password',
  'reset.lead':
    'Enter your username or e-mail address. If it matches an account, we will e-mail you a link to choose a new password.',
  'reset.login': 'Username or e-mail address',
  'reset.submit': 'Send me a link',
  'reset.missing': 'Enter your username or e-mail address.',
  'reset.linkNotUsable':
    'It has expired, was already used, or a newer link was sent. Ask for a new one on the "Forgot your password?" page.',
  'resetPassword.title': 'Choose a new password',
  'resetPassword.lead':
    'for <b>{username}</b>. You will be signed out everywhere, and apps using your account will have to be allowed again.',
  'resetPassword.new': 'New password',
  'resetPassword.newAgain': 'New password again',
  'resetPassword.submit': 'Set my new password',

  // The account page (account.ts)
  'account.title': 'Your account',
  'account.lead': 'Signed in as <b>{username}</b>.',
  'account.nameHeading': 'Your name',
  'account.nameLead': 'Apps you sign in to with this account see this name.',
  'account.name': 'Name',
  'account.saveName': 'Save name',
  'account.profileHeading': 'Profile',
  'account.verified': 'This address is verified: you followed a link we sent to it.',
  'account.unverified':
    'This address is not verified yet: apps are told so. Changing it sends a link to the new address, which verifies it.',
  'account.currentPassword': 'Current password',
  'account.saveProfile': 'Save profile',
  'account.passwordHeading': 'Change password',
  'account.changePassword': 'Change password',
  'account.passwordNote': '{rule} Changing it signs you out on your other devices.',
  'account.appsHeading': 'Apps with access',
  'account.noScopes': 'no scopes',
  'account.allowedOn': 'allowed {date}',
  'account.signedInOn': 'signed in {date}',
  'account.removeAccess': 'Remove access',
  'account.removeAccessFor': 'Remove access for {app}',
  'account.noApps': 'No app has access to your account.',
  'account.done.confirmed': 'Your e-mail address is confirmed and your account is active.',
  'account.done.profile': 'Your profile has been saved.',
  'account.done.name': 'Your name has been saved.',
  'account.done.email':
    'Your profile has been saved. To change your e-mail address, follow the link we sent to the new address: until then your current address stays.',
  'account.done.password': 'Your password has been changed. Your other devices have been signed out.',
  'account.done.revoked': 'The app no longer has access to your account.',
  'emailConfirm.title': 'Confirm your new e-mail address',
  'emailConfirm.lead':
    "The account <b>{username}</b> will use <b>{email}</b> from now on. Enter the account's password to confirm.",
  'emailConfirm.submit': 'Confirm my new e-mail address',
  'emailConfirm.notAsked': 'Did not ask for this? Ignore this page: the address of the account does not change.',
  'emailConfirm.wrongPassword': 'The password is incorrect. Enter the current password of the account.',
  'emailConfirm.linkNotUsable':
    'It has expired, was already used, or a newer link was sent. Ask for the change again on your account page.',
  'emailConfirm.takenTitle': 'This address is no longer free',
  'emailConfirm.takenMessage':
    'Another account uses this e-mail address now, so your address was not changed. Choose another on your account page.',
  'emailChanged.title': 'E-mail address changed',
  'emailChanged.lead': 'Your account now uses <b>{email}</b>. Messages about it go there from now on.',

  // Form problems found by the account services (problems.ts)
  'problem.passwordsDiffer': 'The two passwords do not match.',
  'problem.passwordTooShort': 'Password must be at least {min, plural, one {# character} other {# characters}}.',
  'problem.passwordTooLong': 'Password must be at most {max, plural, one {# character} other {# characters}}.',
  'problem.passwordIsName': 'Password must not be the username or e-mail address.',
  'problem.currentPasswordIncorrect': 'The current password is incorrect.',
  'problem.passwordChangedMeanwhile': 'Your password was changed meanwhile: sign in again.',
  'problem.usernameTaken': 'A user with this username already exists.',
  'problem.emailTaken': 'A user with this e-mail address already exists.',
  'problem.emailInvalid': 'E-mail address is not valid.',
  'problem.usernameInvalid': 'Username must be 1–64 letters, digits, ".", "_" or "-".',
  'problem.usernameMixedScripts':
    'Username mixes letters of different scripts ({scripts}), which can imitate another name: use one script.',
  'problem.nameTooLong': 'Name must be at most {max, plural, one {# character} other {# characters}}.',
  'problem.nameControl': 'Name must not contain control characters, line breaks or text-direction overrides.',
  'problem.other': '{message}',

  // The device flow (device.ts)
  'device.title': 'Connect a device',
  'device.lead': 'Enter the code shown on your device.',
  'device.code': 'Code',
  'device.note': 'Only enter a code from a device you are setting up yourself.',
  'device.throttled':
    'Too many wrong codes. Please wait {seconds, plural, one {# second} other {# seconds}}, then try again.',
  'device.invalidCode': 'That code is invalid or has expired. Check the code on your device and try again.',
  'device.consentLead':
    'A device is asking for access to your account. Approve only if you started this on a device you own and it shows the code you entered.',
  'device.approve': 'Approve',
  'device.approvedTitle': 'Device connected',
  'device.approvedLead': '<b>{app}</b> can now access your account. You can return to your device.',
  'device.deniedTitle': 'Access denied',
  'device.deniedLead': 'The device was not given access to your account (<b>{app}</b>). You can close this window.',

  // Error pages
  'error.busyTitle': 'Please try again in a moment',
  'error.busy':
    'Gatehouse is too busy to check your password right now. Please try again in {seconds, plural, one {# second} other {# seconds}}.',
  'error.databaseDown': 'Gatehouse cannot reach its database right now.',
  'error.serverTitle': 'Something went wrong',
  'error.server': 'Gatehouse could not finish this request. Please try again.',
  'error.methodTitle': 'Not allowed',
  'error.method': 'This page cannot be used that way.',
  'error.requestTitle': 'This request cannot be used',
  'error.request': 'The page received a request it cannot accept.',
  'error.csrfTitle': 'Please try again',
  'error.csrf':
    'This form has expired or was not sent from this site. Go back, reload the page and try again. Cookies must be enabled to sign in.',
  'error.signInExpiredTitle': 'This sign-in link has expired',
  'error.signInExpired': 'Go back to the app you came from and start again. Nothing was shared with it.',
  'error.untrustedTitle': 'This sign-in link does not work',
  'error.untrusted':
    'The app that sent you here made a request Gatehouse cannot accept, so you have not been sent back to it and nothing was shared.',
  'error.consentExpiredTitle': 'This page has expired',
  'error.consentExpired':
    'This request was already answered, or was left open too long. Go back to the app and start again.',
  'error.logoutExpiredTitle': 'This sign-out request has expired',
  'error.logoutExpired': 'It was already answered, or left open too long. Go back to the app and sign out again.',
  'error.languageTitle': 'This language is not available',
  'error.language': 'Choose one of the languages listed below.',
  'error.detail': 'For the developer of the app:',
  'next.backToApp': 'Go back to <a>{app}</a> and start the sign-in again.',
  'next.signIn': 'Go to the <a>sign-in page</a>.',
  'next.account': 'Go to <a>your account</a>.',

  // Durations in e-mails and on pages ("24 hours")
  'duration.days': '{count, plural, one {# day} other {# days}}',
  'duration.hours': '{count, plural, one {# hour} other {# hours}}',
  'duration.minutes': '{count, plural, one {# minute} other {# minutes}}',
  'duration.seconds': '{count, plural, one {# second} other {# seconds}}',

  // E-mails (accounts/mail/templates.ts). <b> is bold in the HTML part, plain in the text part.
  'mail.hello': 'Hello {username},',
  'mail.pasteLink': 'Or paste this address into your browser:',
  'mail.confirmation.subject': 'Confirm your e-mail address for {site}',
  'mail.confirmation.openLink': 'To finish creating your account on {site}, open this link:',
  'mail.confirmation.intro': 'To finish creating your account on {site}, confirm your e-mail address.',
  'mail.confirmation.button': 'Confirm my e-mail address',
  'mail.confirmation.outro':
    'You will be asked for the password you chose. The link works for {expires_in}, once. If you did not sign up, ignore this e-mail: the account will not be activated.',
  'mail.resetting.subject': 'Reset your password for {site}',
  'mail.resetting.openLink':
    'Someone (hopefully you) asked to reset the password of your account on {site}. To choose a new password, open this link:',
  'mail.resetting.intro': 'Someone (hopefully you) asked to reset the password of your account on {site}.',
  'mail.resetting.button': 'Choose a new password',
  'mail.resetting.outro':
    'The link works for {expires_in}, once. Setting a new password signs you out everywhere and disconnects the apps using your account.',
  'mail.resetting.ignore': 'If you did not ask for this, ignore this e-mail: your password stays as it is.',
  'mail.password_changed.subject': 'Your password for {site} was changed',
  'mail.password_changed.body': 'The password of your account on {site} was just changed.',
  'mail.password_changed.notYou':
    'If this was not you, reset your password now with "Forgot your password?" on the sign-in page.',
  'mail.email_changed.subject': 'Your e-mail address on {site} was changed',
  'mail.email_changed.body':
    'The e-mail address of your account on {site} was changed to <b>{new_email}</b>. Messages about your account now go there.',
  'mail.email_changed.notYou': 'If this was not you, contact the administrators of {site}.',
  'mail.email_change.subject': 'Confirm your new e-mail address for {site}',
  'mail.email_change.openLink':
    'You asked to change the e-mail address of your account on {site} to this one, <b>{new_email}</b>. To confirm, open this link:',
  'mail.email_change.intro':
    'You asked to change the e-mail address of your account on {site} to this one, <b>{new_email}</b>.',
  'mail.email_change.button': 'Confirm my new e-mail address',
  'mail.email_change.outro':
    'You will be asked for your password. The link works for {expires_in}, once. Until you follow it, your account keeps its current address. If you did not ask for this, ignore this e-mail: nothing will change.',
  'mail.email_change_requested.subject': 'A change of your e-mail address on {site} was asked for',
  'mail.email_change_requested.body':
    'Someone signed in to your account on {site} asked to change its e-mail address to <b>{new_email}</b>. A confirmation link was sent there; your address changes only if it is followed (with your password).',
  'mail.email_change_requested.notYou':
    'If this was not you, change your password now (or use "Forgot your password?" on the sign-in page): the link then stops being of any use, and your other devices are signed out.',
  'mail.email_in_use.subject': 'Your e-mail address on {site} was given for another account',
  'mail.email_in_use.body':
    'Someone (perhaps you, from another account) tried to make this e-mail address the address of an account on {site}. It already belongs to your account, whose username is <b>{username}</b>, and it stays yours: nothing has changed.',
  'mail.email_in_use.notYou': 'If it was not you, you need not do anything.',
  'mail.already_registered.subject': 'You already have an account on {site}',
  'mail.already_registered.body':
    'Someone (perhaps you) tried to sign up on {site} with this e-mail address. It already belongs to your account, whose username is <b>{username}</b>.',
  'mail.already_registered.openLink': 'If you forgot your password, you can choose a new one here:',
  'mail.already_registered.choose': 'If you forgot your password, you can <a>choose a new one</a>.',
  'mail.already_registered.ignore': 'If it was not you, ignore this e-mail: nothing has changed.',
} as const;

export type MessageKey = keyof typeof en;

/** What every other language's catalog is: a message for each English key. */
export type Catalog = Readonly<Record<MessageKey, string>>;
