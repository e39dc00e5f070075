; Lifeboat's additions to electron-builder's assisted NSIS installer (electron-builder.yml: nsis.include).
;
; The finish page keeps electron-builder's "Run Lifeboat" box and adds "Start Lifeboat when I sign in",
; which writes the per-user Run key. The value name and command match what the app writes itself through
; app.setLoginItemSettings({ openAtLogin, name: 'Lifeboat' }) (Electron's default name would be the
; AppUserModelId), so the installer and the app's own setting switch the same entry. A silent install (/S) shows no page: the app's setting covers it.

!macro customFinishPage
  Function StartApp
    ${if} ${isUpdated}
      StrCpy $1 "--updated"
    ${else}
      StrCpy $1 ""
    ${endif}
    ${StdUtils.ExecShellAsUser} $0 "$launchLink" "open" "$1"
  FunctionEnd

  Function StartAtLogin
    WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Run" "${PRODUCT_NAME}" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}"'
  FunctionEnd

  !define MUI_FINISHPAGE_RUN
  !define MUI_FINISHPAGE_RUN_FUNCTION "StartApp"
  !define MUI_FINISHPAGE_SHOWREADME
  !define MUI_FINISHPAGE_SHOWREADME_TEXT "Start ${PRODUCT_NAME} when I sign in (recommended)"
  !define MUI_FINISHPAGE_SHOWREADME_FUNCTION "StartAtLogin"
  !insertmacro MUI_PAGE_FINISH
!macroend

!macro customUnInstall
  ; An update runs the old uninstaller first: keep the user's choice then.
  ${ifNot} ${isUpdated}
    DeleteRegValue HKCU "Software\Microsoft\Windows\CurrentVersion\Run" "${PRODUCT_NAME}"
  ${endIf}
!macroend
