# What EcrAuth remembers between shells so a repeat Auth-ECR can skip a still-valid login.
# One small JSON file per request (identity + registries + client + client config), holding
# registry hosts, user names and expiry times: never a key, token or password, and the
# identity only as a hash. Written atomically (temp file + rename), so concurrent shells
# never see half a file. Windows PowerShell 5.1 compatible.

# A login is reused only while it has at least this long left.
$script:EcrReuseMargin = [TimeSpan]::FromMinutes(15)

function script:Get-EcrStateDirectory {
    if ($env:ECRAUTH_STATE_DIR) { $base = $env:ECRAUTH_STATE_DIR }
    elseif (Test-EcrWindows) { $base = [System.IO.Path]::Combine($env:LOCALAPPDATA, 'EcrAuth') }
    elseif ($IsMacOS) { $base = [System.IO.Path]::Combine($HOME, 'Library', 'Caches', 'EcrAuth') }
    elseif ($env:XDG_CACHE_HOME) { $base = [System.IO.Path]::Combine($env:XDG_CACHE_HOME, 'ecrauth') }
    else { $base = [System.IO.Path]::Combine($HOME, '.cache', 'ecrauth') }
    [System.IO.Path]::Combine($base, 'logins')
}

function script:Get-EcrHash {
    param([string] $Text)
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try { -join ($sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Text)) | ForEach-Object { $_.ToString('x2') }) }
    finally { $sha.Dispose() }
}

function script:Get-EcrClientConfigPath {
    # Where the client keeps its logins, so a state record is tied to it.
    param([string] $Client)
    switch ($Client) {
        'docker' {
            $dir = if ($env:DOCKER_CONFIG) { $env:DOCKER_CONFIG } else { [System.IO.Path]::Combine($HOME, '.docker') }
            [System.IO.Path]::Combine($dir, 'config.json')
        }
        'podman' { if ($env:REGISTRY_AUTH_FILE) { $env:REGISTRY_AUTH_FILE } else { '' } }
        'helm' { if ($env:HELM_REGISTRY_CONFIG) { $env:HELM_REGISTRY_CONFIG } else { '' } }
        default { '' }
    }
}

function script:Get-EcrIdentity {
    # Who is asking, as text to hash: the access key id, or the profile, or the default chain's hints.
    param([hashtable] $Spec)
    switch ($Spec.Source) {
        'Profile' { "profile:$($Spec.Profile):$env:AWS_CONFIG_FILE:$env:AWS_SHARED_CREDENTIALS_FILE" }
        'Default' { "default:$env:AWS_ACCESS_KEY_ID:$env:AWS_PROFILE:$env:AWS_ROLE_ARN:$env:AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" }
        default { "key:$($Spec.AccessKey)" }
    }
}

function script:Get-EcrRequestKey {
    param([hashtable] $Spec)
    # Without -Region, the region comes from the environment or the profile: key on those too.
    $region = $Spec.Region
    if (-not $region) { $region = "resolved:$env:AWS_REGION:$env:AWS_DEFAULT_REGION:$env:AWS_PROFILE" }
    $parts = @(
        (Get-EcrIdentity $Spec), $region, ($Spec.RegistryId -join ','), ($Spec.Registry -join ','),
        $Spec.Public, $Spec.EndpointUrl, $Spec.Client, (Get-EcrClientConfigPath $Spec.Client)
    )
    Get-EcrHash ($parts -join "`n")
}

function script:Test-EcrClientHasLogin {
    # For docker, a login is only current if config.json still holds it (or a helper does).
    param([string] $Client, [string] $Registry)
    if ($Client -ne 'docker') { return $true }
    $path = Get-EcrClientConfigPath $Client
    if (-not [System.IO.File]::Exists($path)) { return $false }
    try { $config = [System.IO.File]::ReadAllText($path) | ConvertFrom-Json } catch { return $false }
    $names = @()
    foreach ($section in 'auths', 'credHelpers') {
        if ($config.PSObject.Properties[$section]) { $names += @($config.$section.PSObject.Properties | ForEach-Object { $_.Name }) }
    }
    # With a credential store docker still lists the host under auths (with an empty entry).
    $names -contains $Registry
}

function script:Read-EcrStateRecord {
    # A record, or $null for anything unreadable or not in this shape (another version, a foreign file).
    param([string] $Path)
    try { $record = [System.IO.File]::ReadAllText($Path) | ConvertFrom-Json } catch { return $null }
    foreach ($field in 'Client', 'Identity', 'Logins') { if (-not $record.PSObject.Properties[$field]) { return $null } }
    foreach ($entry in @($record.Logins)) {
        foreach ($field in 'Registry', 'Username', 'ProxyEndpoint', 'ExpiresAt') { if (-not $entry.PSObject.Properties[$field]) { return $null } }
    }
    $record
}

function script:Get-EcrCurrentLogin {
    # The remembered logins for $Key if every one is still valid (with margin) and still in the client.
    param([string] $Key, [hashtable] $Spec)
    $path = [System.IO.Path]::Combine((Get-EcrStateDirectory), "$Key.json")
    if (-not [System.IO.File]::Exists($path)) { return $null }
    $record = Read-EcrStateRecord $path
    if (-not $record -or -not $record.Logins) { return $null }
    $limit = [DateTime]::UtcNow.Add($script:EcrReuseMargin)
    $logins = foreach ($entry in @($record.Logins)) {
        $expires = [DateTimeOffset]::FromUnixTimeSeconds([long]$entry.ExpiresAt).UtcDateTime
        if ($expires -lt $limit -or -not (Test-EcrClientHasLogin $Spec.Client $entry.Registry)) { return $null }
        [pscustomobject]@{
            PSTypeName = 'EcrAuth.Login'; Registry = $entry.Registry; Username = $entry.Username
            ExpiresAt = $expires; ProxyEndpoint = $entry.ProxyEndpoint; Client = $record.Client
        }
    }
    @($logins)
}

function script:Protect-EcrPath {
    # Owner-only permissions on Unix (Windows: %LOCALAPPDATA% is already per user).
    param([string] $Path, [string] $Mode)
    if (Test-EcrWindows) { return }
    # File.SetUnixFileMode needs .NET 7+ (PowerShell 7.3 and later); older ones use chmod.
    $modeType = 'System.IO.UnixFileMode' -as [type]
    if ($modeType) { [System.IO.File]::SetUnixFileMode($Path, [Enum]::ToObject($modeType, [Convert]::ToInt32($Mode, 8))) }
    else { & chmod $Mode $Path }
}

function script:Save-EcrStateRecord {
    param([string] $Key, [hashtable] $Spec, [object[]] $Logins)
    $dir = Get-EcrStateDirectory
    if (-not (Test-Path -LiteralPath $dir)) {
        $null = New-Item -ItemType Directory -Force -Path $dir -Confirm:$false -WhatIf:$false
        Protect-EcrPath (Split-Path -Parent $dir) '700'
        Protect-EcrPath $dir '700'
    }
    $record = [ordered]@{
        Version  = 1
        Identity = (Get-EcrHash (Get-EcrIdentity $Spec)).Substring(0, 16)
        Client   = $Spec.Client
        Region   = $Spec.Region
        SavedAt  = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        Logins   = @($Logins | ForEach-Object {
                [ordered]@{ Registry = $_.Registry; Username = $_.Username; ProxyEndpoint = $_.ProxyEndpoint
                    ExpiresAt = ([DateTimeOffset]$_.ExpiresAt).ToUnixTimeSeconds() }
            })
    }
    $final = Join-Path $dir "$Key.json"
    $temporary = Join-Path $dir ("$Key.{0}.{1}.tmp" -f $PID, [guid]::NewGuid().ToString('n').Substring(0, 8))
    [System.IO.File]::WriteAllText($temporary, ($record | ConvertTo-Json -Depth 4 -Compress))
    Protect-EcrPath $temporary '600'
    try {
        if ([System.IO.File]::Exists($final)) { [System.IO.File]::Replace($temporary, $final, [NullString]::Value) }
        else { [System.IO.File]::Move($temporary, $final) }
    }
    catch [System.IO.IOException] {
        # Another shell wrote the same record at the same moment; theirs is as good as ours.
        Remove-Item -LiteralPath $temporary -Force -ErrorAction SilentlyContinue -Confirm:$false -WhatIf:$false
    }
}

function script:Get-EcrStateRecord {
    # Every remembered login, one object per registry, with the file it came from.
    $dir = Get-EcrStateDirectory
    if (-not (Test-Path -LiteralPath $dir)) { return }
    foreach ($file in Get-ChildItem -LiteralPath $dir -Filter '*.json') {
        $record = Read-EcrStateRecord $file.FullName
        if (-not $record) { continue }
        foreach ($entry in @($record.Logins)) {
            $expires = [DateTimeOffset]::FromUnixTimeSeconds([long]$entry.ExpiresAt).UtcDateTime
            [pscustomobject]@{
                PSTypeName = 'EcrAuth.Connection'; Registry = $entry.Registry; Client = $record.Client
                ExpiresAt = $expires; Valid = ($expires -gt [DateTime]::UtcNow); Identity = $record.Identity
                StateFile = $file.FullName
            }
        }
    }
}

function script:Remove-EcrStateRegistry {
    # Forgets $Registry (for $Client) in every record; removes records left empty.
    param([string] $Registry, [string] $Client)
    foreach ($item in @(Get-EcrStateRecord | Where-Object { $_.Registry -eq $Registry -and $_.Client -eq $Client })) {
        Remove-Item -LiteralPath $item.StateFile -Force -ErrorAction SilentlyContinue -Confirm:$false -WhatIf:$false
    }
}
