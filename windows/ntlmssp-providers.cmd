@echo off
rem Makes ntlmssp.dll a security provider, or stops it being one: adds "ntlmssp.dll" to (or
rem removes it from) the REG_SZ value SecurityProviders of
rem HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders, a list "a.dll, b.dll", keeping every
rem other entry. ReactOS's secur32 (and Windows', which documents the value for SSPs) loads the
rem DLLs listed there in each process that uses SSPI; ReactOS loads them before its own NTLM and
rem Negotiate and takes the first package of a name, so ntlmssp's "NTLM" and "Negotiate" serve.
rem Copy ntlmssp.dll into %SystemRoot%\System32 first (on 64-bit Windows, the 32-bit DLL into
rem %SystemRoot%\SysWOW64). Run as an administrator; programs started afterwards use it.
rem   ntlmssp-providers.cmd              add ntlmssp.dll (nothing changes if it is listed)
rem   ntlmssp-providers.cmd /uninstall   remove it (the value goes when nothing else is left)
rem ReactOS reads the value only as REG_SZ, into 260 characters (with the terminating NUL): a
rem longer list loads nothing, so this script refuses to write one. Entries are split at commas;
rem leading blanks are skipped.
setlocal enableextensions
set "KEY=HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders"
set "ME=ntlmssp.dll"
set "MODE=install"
if /i "%~1"=="/uninstall" set "MODE=uninstall"
if not "%~1"=="" if not "%MODE%"=="uninstall" (
    echo usage: %~nx0 [/uninstall]
    exit /b 2
)

set "TYPE="
set "OLD="
for /f "tokens=1,2,*" %%a in ('reg query "%KEY%" /v SecurityProviders 2^>nul') do (
    if /i "%%a"=="SecurityProviders" (
        set "TYPE=%%b"
        set "OLD=%%c"
    )
)
if defined TYPE if /i not "%TYPE%"=="REG_SZ" (
    echo SecurityProviders is %TYPE%, not REG_SZ: ReactOS reads only REG_SZ. Nothing changed.
    exit /b 1
)

rem The entries other than ntlmssp.dll, trimmed, joined by ", ".
set "REST=%OLD%"
set "OTHERS="
set "LISTED="
:next
if not defined REST goto split_done
set "ITEM="
for /f "tokens=1* delims=," %%x in ("%REST%") do (
    set "ITEM=%%x"
    set "REST=%%y"
)
if not defined ITEM goto split_done
for /f "tokens=*" %%t in ("%ITEM%") do set "ITEM=%%t"
:trim
if not defined ITEM goto next
if "%ITEM:~-1%"==" " (
    set "ITEM=%ITEM:~0,-1%"
    goto trim
)
if /i "%ITEM%"=="%ME%" (set "LISTED=1") else if /i "%ITEM%"=="ntlmssp" (set "LISTED=1") else (
    if defined OTHERS (set "OTHERS=%OTHERS%, %ITEM%") else (set "OTHERS=%ITEM%")
)
goto next
:split_done

if "%MODE%"=="install" goto install
if not defined LISTED (
    echo %ME% is not in SecurityProviders ^("%OLD%"^): nothing to remove.
    exit /b 0
)
rem What this script appended comes off as it went on; otherwise the rest, rejoined.
set "NEW=%OTHERS%"
if /i "%OLD:~-13%"==", %ME%" set "NEW=%OLD:~0,-13%"
if not defined NEW (
    reg delete "%KEY%" /v SecurityProviders /f >nul
    if errorlevel 1 exit /b 1
    echo SecurityProviders: "%OLD%" -^> removed
    exit /b 0
)
goto write

:install
if defined LISTED (
    echo %ME% is already in SecurityProviders ^("%OLD%"^).
    exit /b 0
)
if not exist "%SystemRoot%\System32\%ME%" (
    echo warning: %SystemRoot%\System32\%ME% does not exist: copy the DLL there.
)
if defined OLD (set "NEW=%OLD%, %ME%") else (set "NEW=%ME%")
rem The length, from the size of a file holding the value and CRLF (substrings at or past the
rem end of a string differ between cmd implementations).
set "LENFILE=%TEMP%\ntlmssp-providers-%RANDOM%.txt"
>"%LENFILE%" echo %NEW%
for %%f in ("%LENFILE%") do set /a LEN=%%~zf-2
del "%LENFILE%"
if %LEN% gtr 259 (
    echo SecurityProviders would be %LEN% characters, more than the 259 ReactOS reads: nothing changed.
    exit /b 1
)

:write
rem (No "||": Wine 8's cmd runs its right side after success too.)
reg add "%KEY%" /v SecurityProviders /t REG_SZ /d "%NEW%" /f >nul
if errorlevel 1 exit /b 1
echo SecurityProviders: "%OLD%" -^> "%NEW%"
exit /b 0
