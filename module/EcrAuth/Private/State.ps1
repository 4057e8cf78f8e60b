# What EcrAuth remembers between shells so a repeat Auth-ECR can skip a still-valid login.
# One small line-based file per request (identity + registries + client + client auth file),
# holding registry hosts, user names, expiry times, the profile name or default-chain flag and
# the endpoint URL: never a key, token or password, and the identity only as a hash. Written
# atomically (temp file + rename). Reading a record and the repeat check itself are in
# EcrAuth.psm1 (Read-EcrStateFile, Get-EcrRepeatLogin); here: writing, listing, forgetting.
# Windows PowerShell 5.1 compatible.

function script:Read-EcrStateFile {
    # A record: @{ Client; Identity; Region; Source; ProfileName; EndpointUrl; Logins }, each login
    # @{ Registry; Username; Expires (Unix seconds); ProxyEndpoint }; $null for anything missing
    # or not in this shape. The format: the header line, then NAME<TAB>VALUE lines and
    # Login<TAB>registry<TAB>user<TAB>expires<TAB>proxy lines, split with String.Split.
    param([string] $Path)
    if (-not [System.IO.File]::Exists($Path)) { return $null }
    $lines = [System.IO.File]::ReadAllText($Path).Split([char]10)
    if ($lines[0] -ne $script:EcrStateHeader) { return $null }
    $record = @{ Client = ''; Identity = ''; Region = ''; Source = ''; ProfileName = ''; EndpointUrl = ''; Logins = @() }
    $logins = @()
    foreach ($line in $lines) {
        $fields = $line.Split([char]9)
        $expires = 0L
        if ($fields.Count -eq 5 -and $fields[0] -eq 'Login' -and [long]::TryParse($fields[3], [ref]$expires)) {
            $logins += @{ Registry = $fields[1]; Username = $fields[2]; Expires = $expires; ProxyEndpoint = $fields[4] }
        }
        elseif ($fields.Count -eq 2 -and $fields[0] -ne 'Logins' -and $record.ContainsKey($fields[0])) { $record[$fields[0]] = $fields[1] }
    }
    if (-not $record.Client -or -not $logins.Count) { return $null }
    $record.Logins = $logins
    $record
}

function script:Get-EcrIdentityHash {
    # The record's Identity: a short hash of who asked (no key id in clear).
    param([hashtable] $Spec)
    $identity = switch ($Spec.Source) {
        'Profile' { "profile:$($Spec.Profile)" }
        'Default' { 'default' }
        default { "key:$($Spec.AccessKey)" }
    }
    (Get-EcrSha256Hex $identity).Substring(0, 16)
}

function script:Protect-EcrPath {
    # Owner-only permissions on Unix (Windows: %LOCALAPPDATA% is already per user).
    param([string] $Path, [string] $Mode)
    if ($script:EcrPlatform -eq 'Windows') { return }
    # File.SetUnixFileMode needs .NET 7+ (PowerShell 7.3 and later); older ones use chmod.
    $modeType = 'System.IO.UnixFileMode' -as [type]
    if ($modeType) { [System.IO.File]::SetUnixFileMode($Path, [Enum]::ToObject($modeType, [Convert]::ToInt32($Mode, 8))) }
    else { & chmod $Mode $Path }
}

function script:New-EcrStateDirectory {
    # Creates the records' folder, $Path. Only the folders EcrAuth owns get owner-only rights: its
    # cache folder and 'logins' by default; with ECRAUTH_STATE_DIR (the user's folder, maybe a
    # shared 1777 one) only 'logins', never the folder itself.
    param([string] $Path)
    if ([System.IO.Directory]::Exists($Path)) { return }
    $own = @($Path)
    if (-not $env:ECRAUTH_STATE_DIR) { $own = @([System.IO.Path]::GetDirectoryName($Path), $Path) }
    $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($own[0]))
    foreach ($dir in $own) {
        if (-not [System.IO.Directory]::Exists($dir)) {
            $null = [System.IO.Directory]::CreateDirectory($dir)
            Protect-EcrPath $dir '700'
        }
    }
}

function script:Write-EcrStateFile {
    # Writes a record atomically: a temp file (owner-only) renamed over the old one.
    param([string] $Path, [string] $Text)
    $dir = [System.IO.Path]::GetDirectoryName($Path)
    $temporary = [System.IO.Path]::Combine($dir, ('{0}.{1}.{2}.tmp' -f [System.IO.Path]::GetFileName($Path), $PID, [guid]::NewGuid().ToString('n').Substring(0, 8)))
    [System.IO.File]::WriteAllText($temporary, $Text, [System.Text.UTF8Encoding]::new($false))
    Protect-EcrPath $temporary '600'
    try {
        if ([System.IO.File]::Exists($Path)) { [System.IO.File]::Replace($temporary, $Path, [NullString]::Value) }
        else { [System.IO.File]::Move($temporary, $Path) }
    }
    catch [System.IO.IOException] {
        # Another shell wrote the same record at the same moment; theirs is as good as ours.
        [System.IO.File]::Delete($temporary)
    }
}

function script:ConvertTo-EcrStateText {
    # A record as Read-EcrStateFile reads it; logins are EcrAuth.Login objects (ExpiresAt) or
    # Read-EcrStateFile's own (Expires, Unix seconds).
    param([hashtable] $Record)
    $tab = [char]9
    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add($script:EcrStateHeader)
    foreach ($name in 'Client', 'Identity', 'Region', 'Source', 'ProfileName', 'EndpointUrl') {
        $value = [string]$Record[$name]
        if ($value -and $value.IndexOfAny("`t`r`n".ToCharArray()) -lt 0) { $lines.Add("$name$tab$value") }
    }
    foreach ($login in $Record.Logins) {
        if ($login -is [hashtable]) { $seconds = $login.Expires }
        else { $seconds = ([DateTimeOffset][DateTime]::SpecifyKind($login.ExpiresAt, 'Utc')).ToUnixTimeSeconds() }
        $lines.Add(('Login', $login.Registry, $login.Username, $seconds, $login.ProxyEndpoint) -join $tab)
    }
    ($lines -join "`n") + "`n"
}

function script:Get-EcrUnwritableReason {
    # Why the records' folder $Path cannot be made, for the common case (a file where a folder
    # should be), found without an exception: a caught exception would still land in the
    # caller's -ErrorVariable, and this is only a warning.
    param([string] $Path)
    $dir = $Path
    while ($dir -and -not [System.IO.Directory]::Exists($dir)) {
        if ([System.IO.File]::Exists($dir)) { return "'$dir' is a file, not a folder" }
        $dir = [System.IO.Path]::GetDirectoryName($dir)
    }
    $null
}

function script:Save-EcrStateRecord {
    # Remembers a login. Returns a warning text if it could not (the login itself stands).
    param([string] $Key, [hashtable] $Spec, [object[]] $Logins)
    $directory = Get-EcrStateDirectory
    $reason = Get-EcrUnwritableReason $directory
    if ($reason) { return "EcrAuth could not remember this login, so the next Auth-ECR will log in again: $reason." }
    try {
        New-EcrStateDirectory $directory
        $record = @{
            Client = $Spec.Client; Identity = Get-EcrIdentityHash $Spec; Region = $Spec.Region
            Source = $Spec.Source; ProfileName = $Spec.Profile; EndpointUrl = $Spec.EndpointUrl; Logins = $Logins
        }
        $own = [System.IO.Path]::Combine($directory, "$Key.state")
        Write-EcrStateFile $own (ConvertTo-EcrStateText $record)
        Update-EcrStateSibling -Directory $directory -Own $own -Record $record
        # A login is the time to forget the records whose logins have all expired (Get-EcrConnection only reads).
        $null = @(Get-EcrStateRecord -Prune)
        $null
    }
    catch {
        "EcrAuth could not remember this login, so the next Auth-ECR will log in again: $($_.Exception.Message)"
    }
}

function script:Update-EcrStateSibling {
    # The same registries renewed under another request (Get-EcrConnection | Connect-EcrRegistry
    # -Force names the hosts, the $PROFILE line did not): every other record of this identity,
    # client and endpoint whose registries were all renewed gets the new expiry, so the original
    # request's repeat check sees the renewal.
    param([string] $Directory, [string] $Own, [hashtable] $Record)
    $renewed = @{}
    foreach ($login in $Record.Logins) { $renewed[$login.Registry] = $login }
    foreach ($file in [System.IO.Directory]::GetFiles($Directory, '*.state')) {
        if ($file -eq $Own) { continue }
        $other = $null
        try { $other = Read-EcrStateFile $file } catch { Write-Debug "EcrAuth: unreadable record ${file}: $_" }
        if (-not $other -or $other.Client -ne $Record.Client -or $other.Identity -ne $Record.Identity -or $other.EndpointUrl -ne [string]$Record.EndpointUrl) { continue }
        if (-not $other.Logins.Count) { continue }
        $all = $true
        foreach ($login in $other.Logins) { if (-not $renewed.ContainsKey($login.Registry)) { $all = $false } }
        if (-not $all) { continue }
        $other.Logins = @(foreach ($login in $other.Logins) { $renewed[$login.Registry] })
        try { Write-EcrStateFile $file (ConvertTo-EcrStateText $other) } catch { Write-Debug "EcrAuth: could not update ${file}: $_" }
    }
}

function script:Get-EcrStateRecord {
    # Every remembered login, one object per registry. -Prune deletes records whose logins have
    # all expired, and files that are not records (e.g. an older version's).
    param([switch] $Prune)
    $dir = Get-EcrStateDirectory
    if (-not [System.IO.Directory]::Exists($dir)) { return }
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    foreach ($file in [System.IO.Directory]::GetFiles($dir)) {
        if ($file.EndsWith('.tmp')) { continue }
        $record = $null
        # A record that cannot be read or deleted (another process's, half-written) counts as none.
        if ($file.EndsWith('.state')) { try { $record = Read-EcrStateFile $file } catch { Write-Debug "EcrAuth: unreadable record ${file}: $_" } }
        if (-not $record) {
            if ($Prune) { try { [System.IO.File]::Delete($file) } catch { Write-Debug "EcrAuth: could not delete ${file}: $_" } }
            continue
        }
        $live = @($record.Logins | Where-Object { $_.Expires -gt $now })
        if ($Prune -and $live.Count -eq 0) { try { [System.IO.File]::Delete($file) } catch { Write-Debug "EcrAuth: could not delete ${file}: $_" }; continue }
        foreach ($entry in $record.Logins) {
            [pscustomobject]@{
                Registry = $entry.Registry; Client = $record.Client
                ExpiresAt = [DateTimeOffset]::FromUnixTimeSeconds($entry.Expires).UtcDateTime
                Valid = ($entry.Expires -ge $now + $script:EcrReuseMarginSeconds); Identity = $record.Identity; Source = $record.Source
                ProfileName = $record.ProfileName; EndpointUrl = $record.EndpointUrl; StateFile = $file
            }
        }
    }
}

function script:ConvertTo-EcrConnectionObject {
    # The public EcrAuth.Connection. ProfileName, UseDefaultCredentials and EndpointUrl appear only
    # when the login used them, so that piping to Connect-EcrRegistry binds exactly those.
    param([object] $Record)
    $connection = [pscustomobject]@{
        PSTypeName = 'EcrAuth.Connection'; Registry = $Record.Registry; Client = $Record.Client
        ExpiresAt = $Record.ExpiresAt; Valid = $Record.Valid; Identity = $Record.Identity
    }
    if ($Record.Source -eq 'Profile' -and $Record.ProfileName) {
        $connection.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new('ProfileName', $Record.ProfileName))
    }
    if ($Record.Source -eq 'Default') {
        $connection.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new('UseDefaultCredentials', $true))
    }
    if ($Record.EndpointUrl) {
        $connection.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new('EndpointUrl', $Record.EndpointUrl))
    }
    $connection
}

function script:Remove-EcrStateRegistry {
    # Forgets $Registry (for $Client) in every record; deletes records left empty.
    param([string] $Registry, [string] $Client, [object[]] $Records)
    $files = @{}
    foreach ($item in $Records) { if ($item.Registry -eq $Registry -and $item.Client -eq $Client) { $files[$item.StateFile] = $true } }
    foreach ($file in $files.Keys) {
        $record = $null
        try { $record = Read-EcrStateFile $file } catch { Write-Debug "EcrAuth: unreadable record ${file}: $_" }
        if (-not $record) { continue }
        $record.Logins = @($record.Logins | Where-Object { $_.Registry -ne $Registry })
        try {
            if ($record.Logins.Count) { Write-EcrStateFile $file (ConvertTo-EcrStateText $record) }
            else { [System.IO.File]::Delete($file) }
        }
        catch { Write-Debug "EcrAuth: could not update ${file}: $_" }
    }
}
