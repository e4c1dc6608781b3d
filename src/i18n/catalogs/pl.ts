import type { Catalog } from './en.js';

/**
 * Polish, in the neutral register of Polish account pages: imperatives ("Wpisz hasło"), "Ty" and
 * "Twój" capitalised, and impersonal forms ("Zalogowano") wherever a personal one would have to
 * guess the user's gender ("zalogowany/zalogowana"). Plurals have four forms, as
 * Intl.PluralRules('pl') says: one (1), few (2–4, 22–24…), many (0, 5–21, 25…) and other
 * (fractions). Quotes are typographic („…”); an apostrophe would start a quotation in ICU
 * MessageFormat.
 */
export const pl: Catalog = {
  'layout.title': '{title} · Gatehouse',
  'layout.languages': 'Język',

  'login.title': 'Zaloguj się',
  'login.titleAgain': 'Zaloguj się ponownie',
  'login.leadApp': 'aby przejść do <b>{app}</b>',
  'login.lead': 'za pomocą konta Gatehouse',
  'login.username': 'Nazwa użytkownika',
  'login.password': 'Hasło',
  'login.notYou': 'To nie Ty?',
  'login.submit': 'Zaloguj się',
  'login.hint': 'Możesz zalogować się nazwą użytkownika lub adresem e-mail.',
  'login.forgot': 'Nie pamiętasz hasła?',
  'login.register': 'Utwórz konto',
  'login.missing': 'Wpisz nazwę użytkownika i hasło.',
  'login.incorrect': 'Nieprawidłowa nazwa użytkownika lub hasło.',
  'login.unconfirmed':
    'Twój adres e-mail nie został jeszcze potwierdzony. Otwórz link, który Ci wysłaliśmy, lub poproś o nowy za pomocą opcji „Nie pamiętasz hasła?”.',
  'login.busy':
    'Gatehouse jest teraz zbyt obciążony, aby sprawdzić hasło. Spróbuj ponownie za {seconds, plural, one {# sekundę} few {# sekundy} many {# sekund} other {# sekundy}}.',
  'login.throttled':
    'Zbyt wiele nieudanych prób logowania. Odczekaj {seconds, plural, one {# sekundę} few {# sekundy} many {# sekund} other {# sekundy}} i spróbuj ponownie.',
  'login.noticeReset': 'Hasło zostało zmienione. Zaloguj się nowym hasłem.',
  'signedIn.title': 'Zalogowano',
  'signedIn.heading': 'Zalogowano',
  'signedIn.lead': 'jako <b>{username}</b>.',
  'common.yourAccount': 'Twoje konto',
  'common.signOut': 'Wyloguj się',
  'common.cancel': 'Anuluj',
  'common.signedInAs': 'Zalogowano jako <b>{username}</b>',
  'common.backToSignIn': 'Wróć do logowania',
  'common.continue': 'Dalej',
  'common.knowWhoYouAre': 'Wiedzieć, kim jesteś na tym serwerze',
  'common.askingFor': 'Prosi o zgodę, aby:',
  'common.deny': 'Odmów',

  'throttle.passwords':
    'Zbyt wiele błędnych haseł. Odczekaj {seconds, plural, one {# sekundę} few {# sekundy} many {# sekund} other {# sekundy}} i spróbuj ponownie.',
  'throttle.network':
    'Zbyt wiele żądań z Twojej sieci. Odczekaj {seconds, plural, one {# sekundę} few {# sekundy} many {# sekund} other {# sekundy}} i spróbuj ponownie.',
  'password.rule':
    'Co najmniej {min, plural, one {# znak} few {# znaki} many {# znaków} other {# znaku}}; nie może to być nazwa użytkownika ani adres e-mail.',

  'scope.openid': 'Logować Cię za pomocą Twojego konta',
  'scope.profile': 'Widzieć Twoją nazwę użytkownika oraz imię i nazwisko',
  'scope.email': 'Widzieć Twój adres e-mail',
  'scope.offline_access': 'Zachować dostęp, gdy nie korzystasz z aplikacji (do czasu jego odebrania)',

  'consent.title': 'Zezwól na dostęp',
  'consent.heading': '<b>{app}</b> chce uzyskać dostęp do Twojego konta',
  'consent.allow': 'Zezwól',
  'consent.sendsBack': 'Po udzieleniu zgody nastąpi powrót do <b>{host}</b>.',
  'consent.remembered': 'Nie zapytamy ponownie o te uprawnienia.',
  'consent.notRemembered':
    'Następnym razem zapytamy ponownie: Gatehouse nie może ustalić, która to aplikacja na Twoim urządzeniu.',

  'logout.heading': 'Wylogować się?',
  'logout.lead': 'Zalogowano jako <b>{username}</b>.',
  'logout.thenAnother': 'Potem możesz zalogować się na inne konto.',
  'signedOut.title': 'Wylogowano',
  'signedOut.heading': 'Wylogowano',
  'signedOut.lead': 'Możesz zamknąć to okno.',
  'signedOut.again': 'Zaloguj się ponownie',
  'endSession.heading': 'Wylogować się z Gatehouse?',
  'endSession.leadApp': '<b>{app}</b> prosi o wylogowanie.',
  'endSession.lead': 'Aplikacja prosi o wylogowanie.',
  'endSession.otherSession':
    'Aplikacja zalogowała się na inne konto lub w innej sesji niż ta. Wylogowanie zakończy sesję tej przeglądarki.',
  'endSession.note': 'Wylogowanie zakończy Twoją sesję Gatehouse oraz logowania aplikacji, które z niej korzystały.',
  'stillSignedIn.title': 'Sesja nadal trwa',
  'stillSignedIn.heading': 'Sesja nadal trwa',
  'stillSignedIn.lead':
    'Zalogowano jako <b>{username}</b>: Twoja sesja Gatehouse się nie zmieniła (aplikacja mogła już wylogować Cię u siebie).',
  'stillSignedIn.backTo': 'Wróć do {app}',
  'stillSignedIn.backToApp': 'Wróć do aplikacji',

  'register.title': 'Utwórz konto',
  'register.lead': 'Wybierz nazwę użytkownika i hasło.',
  'register.email': 'Adres e-mail',
  'register.passwordAgain': 'Powtórz hasło',
  'register.submit': 'Utwórz konto',
  'register.haveAccount': 'Mam już konto',
  'register.closedTitle': 'Rejestracja jest zamknięta',
  'register.closedMessage': 'Konta na tym serwerze zakładają jego administratorzy.',
  'checkEmail.title': 'Sprawdź pocztę e-mail',
  'checkEmail.signUp': 'Wysłaliśmy link na podany adres. Otwórz go, aby aktywować konto.',
  'checkEmail.signUpContinue':
    'Wysłaliśmy link na podany adres. Otwórz go, aby aktywować konto, a potem wróć tutaj i zaloguj się, aby kontynuować.',
  'checkEmail.reset':
    'Jeśli podana nazwa lub adres należy do konta, wysłaliśmy na jego adres e-mail link do ustawienia nowego hasła.',
  'checkEmail.expires':
    'Link jest ważny przez {duration}. Nic nie dotarło? Sprawdź folder ze spamem lub poproś ponownie za kilka minut.',
  'confirm.title': 'Potwierdź adres e-mail',
  'confirm.lead': 'i aktywuj konto <b>{username}</b>. Wpisz hasło wybrane podczas rejestracji.',
  'confirm.submit': 'Potwierdź i aktywuj konto',
  'confirm.notYours':
    'To nie Twoje konto? W takim razie ktoś inny zarejestrował się, podając Twój adres: zignoruj tę stronę i wiadomość, a konto nie zostanie aktywowane.',
  'confirm.wrongPassword':
    'Hasło jest nieprawidłowe. Wpisz hasło wybrane podczas rejestracji (lub zarejestruj się ponownie, aby wybrać inne).',
  'confirm.linkNotUsable':
    'Link wygasł, został już użyty albo wysłano nowszy. Jeśli Twoje konto nie jest jeszcze aktywne, poproś o nowy link za pomocą opcji „Nie pamiętasz hasła?” na stronie logowania.',
  'link.notUsableTitle': 'Ten link już nie działa',

  'reset.title': 'Zresetuj hasło',
  'reset.lead':
    'Wpisz nazwę użytkownika lub adres e-mail. Jeśli pasuje do konta, wyślemy Ci e-mailem link do ustawienia nowego hasła.',
  'reset.login': 'Nazwa użytkownika lub adres e-mail',
  'reset.submit': 'Wyślij link',
  'reset.missing': 'Wpisz nazwę użytkownika lub adres e-mail.',
  'reset.linkNotUsable':
    'Link wygasł, został już użyty albo wysłano nowszy. Poproś o nowy na stronie „Nie pamiętasz hasła?”.',
  'resetPassword.title': 'Ustaw nowe hasło',
  'resetPassword.lead':
    'dla <b>{username}</b>. Nastąpi wylogowanie wszędzie, a aplikacjom korzystającym z Twojego konta trzeba będzie ponownie udzielić zgody.',
  'resetPassword.new': 'Nowe hasło',
  'resetPassword.newAgain': 'Powtórz nowe hasło',
  'resetPassword.submit': 'Ustaw nowe hasło',

  'account.title': 'Twoje konto',
  'account.lead': 'Zalogowano jako <b>{username}</b>.',
  'account.nameHeading': 'Imię i nazwisko',
  'account.nameLead': 'Aplikacje, do których logujesz się tym kontem, widzą to imię i nazwisko.',
  'account.name': 'Imię i nazwisko',
  'account.saveName': 'Zapisz imię i nazwisko',
  'account.profileHeading': 'Profil',
  'account.verified': 'Ten adres jest zweryfikowany: otwarto link, który na niego wysłaliśmy.',
  'account.unverified':
    'Ten adres nie jest jeszcze zweryfikowany, o czym aplikacje są informowane. Po jego zmianie wyślemy na nowy adres link, który go zweryfikuje.',
  'account.currentPassword': 'Obecne hasło',
  'account.saveProfile': 'Zapisz profil',
  'account.passwordHeading': 'Zmień hasło',
  'account.changePassword': 'Zmień hasło',
  'account.passwordNote': '{rule} Zmiana hasła wyloguje Cię na pozostałych urządzeniach.',
  'account.appsHeading': 'Aplikacje z dostępem',
  'account.noScopes': 'brak uprawnień',
  'account.allowedOn': 'zezwolono {date}',
  'account.signedInOn': 'zalogowano {date}',
  'account.removeAccess': 'Odbierz dostęp',
  'account.removeAccessFor': 'Odbierz dostęp aplikacji {app}',
  'account.noApps': 'Żadna aplikacja nie ma dostępu do Twojego konta.',
  'account.done.confirmed': 'Adres e-mail został potwierdzony, a konto jest aktywne.',
  'account.done.profile': 'Profil został zapisany.',
  'account.done.name': 'Imię i nazwisko zostało zapisane.',
  'account.done.email':
    'Profil został zapisany. Aby zmienić adres e-mail, otwórz link wysłany na nowy adres: do tego czasu obowiązuje obecny adres.',
  'account.done.password': 'Hasło zostało zmienione. Pozostałe urządzenia zostały wylogowane.',
  'account.done.revoked': 'Aplikacja nie ma już dostępu do Twojego konta.',
  'emailConfirm.title': 'Potwierdź nowy adres e-mail',
  'emailConfirm.lead':
    'Konto <b>{username}</b> będzie od teraz używać adresu <b>{email}</b>. Aby potwierdzić, wpisz hasło do konta.',
  'emailConfirm.submit': 'Potwierdź nowy adres e-mail',
  'emailConfirm.notAsked': 'To nie Twoja prośba? Zignoruj tę stronę: adres konta się nie zmieni.',
  'emailConfirm.wrongPassword': 'Hasło jest nieprawidłowe. Wpisz obecne hasło do konta.',
  'emailConfirm.linkNotUsable':
    'Link wygasł, został już użyty albo wysłano nowszy. Poproś o zmianę ponownie na stronie swojego konta.',
  'emailConfirm.takenTitle': 'Ten adres nie jest już wolny',
  'emailConfirm.takenMessage':
    'Inne konto używa teraz tego adresu e-mail, więc Twój adres nie został zmieniony. Wybierz inny na stronie swojego konta.',
  'emailChanged.title': 'Adres e-mail został zmieniony',
  'emailChanged.lead':
    'Twoje konto używa teraz adresu <b>{email}</b>. Od teraz wiadomości dotyczące konta trafiają na ten adres.',

  'problem.passwordsDiffer': 'Hasła nie są takie same.',
  'problem.passwordTooShort':
    'Hasło musi mieć co najmniej {min, plural, one {# znak} few {# znaki} many {# znaków} other {# znaku}}.',
  'problem.passwordTooLong':
    'Hasło może mieć najwyżej {max, plural, one {# znak} few {# znaki} many {# znaków} other {# znaku}}.',
  'problem.passwordIsName': 'Hasło nie może być nazwą użytkownika ani adresem e-mail.',
  'problem.currentPasswordIncorrect': 'Obecne hasło jest nieprawidłowe.',
  'problem.passwordChangedMeanwhile': 'W międzyczasie hasło zostało zmienione: zaloguj się ponownie.',
  'problem.usernameTaken': 'Użytkownik o tej nazwie już istnieje.',
  'problem.emailTaken': 'Użytkownik z tym adresem e-mail już istnieje.',
  'problem.emailInvalid': 'Adres e-mail jest nieprawidłowy.',
  'problem.usernameInvalid': 'Nazwa użytkownika musi mieć od 1 do 64 znaków: liter, cyfr, „.”, „_” lub „-”.',
  'problem.usernameMixedScripts':
    'Nazwa użytkownika łączy litery z różnych pism ({scripts}), co pozwala podszyć się pod inną nazwę: użyj jednego pisma.',
  'problem.nameTooLong':
    'Imię i nazwisko może mieć najwyżej {max, plural, one {# znak} few {# znaki} many {# znaków} other {# znaku}}.',
  'problem.nameControl':
    'Imię i nazwisko nie może zawierać znaków sterujących, podziałów wiersza ani znaków zmiany kierunku tekstu.',
  'problem.other': '{message}',

  'device.title': 'Połącz urządzenie',
  'device.lead': 'Wpisz kod wyświetlony na urządzeniu.',
  'device.code': 'Kod',
  'device.note': 'Wpisuj tylko kod z urządzenia, które samodzielnie konfigurujesz.',
  'device.throttled':
    'Zbyt wiele błędnych kodów. Odczekaj {seconds, plural, one {# sekundę} few {# sekundy} many {# sekund} other {# sekundy}} i spróbuj ponownie.',
  'device.invalidCode': 'Ten kod jest nieprawidłowy lub wygasł. Sprawdź kod na urządzeniu i spróbuj ponownie.',
  'device.consentLead':
    'Urządzenie prosi o dostęp do Twojego konta. Zatwierdź tylko wtedy, gdy to Ty rozpoczynasz ten proces na własnym urządzeniu i wyświetla ono wpisany przez Ciebie kod.',
  'device.approve': 'Zatwierdź',
  'device.approvedTitle': 'Urządzenie połączone',
  'device.approvedLead': '<b>{app}</b> ma teraz dostęp do Twojego konta. Możesz wrócić do urządzenia.',
  'device.deniedTitle': 'Odmówiono dostępu',
  'device.deniedLead': 'Urządzenie nie otrzymało dostępu do Twojego konta (<b>{app}</b>). Możesz zamknąć to okno.',

  'error.busyTitle': 'Spróbuj ponownie za chwilę',
  'error.busy':
    'Gatehouse jest teraz zbyt obciążony, aby sprawdzić hasło. Spróbuj ponownie za {seconds, plural, one {# sekundę} few {# sekundy} many {# sekund} other {# sekundy}}.',
  'error.databaseDown': 'Gatehouse nie może teraz połączyć się ze swoją bazą danych.',
  'error.serverTitle': 'Coś poszło nie tak',
  'error.server': 'Gatehouse nie mógł dokończyć tego żądania. Spróbuj ponownie.',
  'error.methodTitle': 'Niedozwolone',
  'error.method': 'Tej strony nie można użyć w ten sposób.',
  'error.requestTitle': 'Tego żądania nie można użyć',
  'error.request': 'Strona otrzymała żądanie, którego nie może przyjąć.',
  'error.csrfTitle': 'Spróbuj ponownie',
  'error.csrf':
    'Ten formularz wygasł lub nie został wysłany z tej witryny. Wróć, odśwież stronę i spróbuj ponownie. Do zalogowania się potrzebne są włączone pliki cookie.',
  'error.signInExpiredTitle': 'Ten link logowania wygasł',
  'error.signInExpired':
    'Wróć do aplikacji, z której przychodzisz, i zacznij od nowa. Nic nie zostało jej udostępnione.',
  'error.untrustedTitle': 'Ten link logowania nie działa',
  'error.untrusted':
    'Aplikacja, która Cię tu skierowała, wysłała żądanie, którego Gatehouse nie może przyjąć, dlatego nie nastąpił powrót do niej i nic nie zostało udostępnione.',
  'error.consentExpiredTitle': 'Ta strona wygasła',
  'error.consentExpired':
    'Na to żądanie już odpowiedziano lub było otwarte zbyt długo. Wróć do aplikacji i zacznij od nowa.',
  'error.logoutExpiredTitle': 'To żądanie wylogowania wygasło',
  'error.logoutExpired':
    'Już na nie odpowiedziano lub było otwarte zbyt długo. Wróć do aplikacji i wyloguj się ponownie.',
  'error.languageTitle': 'Ten język jest niedostępny',
  'error.language': 'Wybierz jeden z języków wymienionych poniżej.',
  'error.detail': 'Dla twórców aplikacji:',
  'next.backToApp': 'Wróć do <a>{app}</a> i zacznij logowanie od nowa.',
  'next.signIn': 'Przejdź do <a>strony logowania</a>.',
  'next.account': 'Przejdź do <a>swojego konta</a>.',

  // After "przez" (for) and "za" (in): the accusative, "przez 1 dzień / 2 dni / 5 dni / 1,5 dnia".
  'duration.days': '{count, plural, one {# dzień} few {# dni} many {# dni} other {# dnia}}',
  'duration.hours': '{count, plural, one {# godzinę} few {# godziny} many {# godzin} other {# godziny}}',
  'duration.minutes': '{count, plural, one {# minutę} few {# minuty} many {# minut} other {# minuty}}',
  'duration.seconds': '{count, plural, one {# sekundę} few {# sekundy} many {# sekund} other {# sekundy}}',

  'mail.hello': 'Witaj, {username}!',
  'mail.pasteLink': 'Możesz też wkleić ten adres do przeglądarki:',
  'mail.confirmation.subject': 'Potwierdź adres e-mail w serwisie {site}',
  'mail.confirmation.openLink': 'Aby dokończyć zakładanie konta w serwisie {site}, otwórz ten link:',
  'mail.confirmation.intro': 'Aby dokończyć zakładanie konta w serwisie {site}, potwierdź adres e-mail.',
  'mail.confirmation.button': 'Potwierdź adres e-mail',
  'mail.confirmation.outro':
    'Trzeba będzie podać wybrane hasło. Link jest ważny przez {expires_in} i działa tylko raz. Jeśli to nie Ty zakładasz konto, zignoruj tę wiadomość: konto nie zostanie aktywowane.',
  'mail.resetting.subject': 'Zresetuj hasło w serwisie {site}',
  'mail.resetting.openLink':
    'Ktoś (miejmy nadzieję, że Ty) poprosił o zresetowanie hasła do Twojego konta w serwisie {site}. Aby wybrać nowe hasło, otwórz ten link:',
  'mail.resetting.intro':
    'Ktoś (miejmy nadzieję, że Ty) poprosił o zresetowanie hasła do Twojego konta w serwisie {site}.',
  'mail.resetting.button': 'Wybierz nowe hasło',
  'mail.resetting.outro':
    'Link jest ważny przez {expires_in} i działa tylko raz. Ustawienie nowego hasła wyloguje Cię wszędzie i odłączy aplikacje korzystające z Twojego konta.',
  'mail.resetting.ignore': 'Jeśli to nie Twoja prośba, zignoruj tę wiadomość: hasło pozostanie bez zmian.',
  'mail.password_changed.subject': 'Hasło w serwisie {site} zostało zmienione',
  'mail.password_changed.body': 'Hasło do Twojego konta w serwisie {site} zostało właśnie zmienione.',
  'mail.password_changed.notYou':
    'Jeśli to nie Ty, od razu zresetuj hasło za pomocą opcji „Nie pamiętasz hasła?” na stronie logowania.',
  'mail.email_changed.subject': 'Adres e-mail w serwisie {site} został zmieniony',
  'mail.email_changed.body':
    'Adres e-mail Twojego konta w serwisie {site} został zmieniony na <b>{new_email}</b>. Wiadomości dotyczące konta trafiają teraz na ten adres.',
  'mail.email_changed.notYou': 'Jeśli to nie Ty, skontaktuj się z administratorami serwisu {site}.',
  'mail.email_change.subject': 'Potwierdź nowy adres e-mail w serwisie {site}',
  'mail.email_change.openLink':
    'Poproszono o zmianę adresu e-mail Twojego konta w serwisie {site} na ten adres: <b>{new_email}</b>. Aby potwierdzić, otwórz ten link:',
  'mail.email_change.intro':
    'Poproszono o zmianę adresu e-mail Twojego konta w serwisie {site} na ten adres: <b>{new_email}</b>.',
  'mail.email_change.button': 'Potwierdź nowy adres e-mail',
  'mail.email_change.outro':
    'Trzeba będzie podać hasło. Link jest ważny przez {expires_in} i działa tylko raz. Dopóki go nie otworzysz, konto zachowa obecny adres. Jeśli to nie Twoja prośba, zignoruj tę wiadomość: nic się nie zmieni.',
  'mail.email_change_requested.subject': 'Poproszono o zmianę adresu e-mail w serwisie {site}',
  'mail.email_change_requested.body':
    'Ktoś zalogowany na Twoje konto w serwisie {site} poprosił o zmianę jego adresu e-mail na <b>{new_email}</b>. Wysłano tam link potwierdzający; Twój adres zmieni się tylko wtedy, gdy ktoś go otworzy (i poda Twoje hasło).',
  'mail.email_change_requested.notYou':
    'Jeśli to nie Ty, od razu zmień hasło (lub użyj opcji „Nie pamiętasz hasła?” na stronie logowania): link przestanie wtedy działać, a pozostałe urządzenia zostaną wylogowane.',
  'mail.email_in_use.subject': 'Twój adres e-mail w serwisie {site} został podany dla innego konta',
  'mail.email_in_use.body':
    'Ktoś (być może Ty, z innego konta) próbował ustawić ten adres e-mail jako adres konta w serwisie {site}. Należy on już do Twojego konta o nazwie użytkownika <b>{username}</b> i nadal pozostaje Twój: nic się nie zmieniło.',
  'mail.email_in_use.notYou': 'Jeśli to nie Ty, nie musisz nic robić.',
  'mail.already_registered.subject': 'Masz już konto w serwisie {site}',
  'mail.already_registered.body':
    'Ktoś (być może Ty) próbował zarejestrować się w serwisie {site} przy użyciu tego adresu e-mail. Należy on już do Twojego konta o nazwie użytkownika <b>{username}</b>.',
  'mail.already_registered.openLink': 'Jeśli nie pamiętasz hasła, możesz ustawić nowe tutaj:',
  'mail.already_registered.choose': 'Jeśli nie pamiętasz hasła, możesz <a>ustawić nowe</a>.',
  'mail.already_registered.ignore': 'Jeśli to nie Ty, zignoruj tę wiadomość: nic się nie zmieniło.',
};
