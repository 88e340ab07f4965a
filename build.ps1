#!/usr/bin/env pwsh
# Bootstrap of the Storytailor build (PowerShell): checks the .NET SDK that global.json asks for,
# rebuilds the build program only when its inputs changed, then runs it with all arguments.
$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

$project = 'build/Storytailor.Build/Storytailor.Build.csproj'
$out = 'build/.bootstrap'
$bin = Join-Path $out 'bin/Storytailor.Build.dll'
$wanted = (Get-Content global.json -Raw | ConvertFrom-Json).sdk.version

function Fail([string] $message) {
    [Console]::Error.WriteLine("build.ps1: $message")
    exit 2
}

if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    Fail "the .NET SDK is not installed (dotnet is not on PATH). Install the SDK version global.json asks for: $wanted or a later patch of that feature band."
}

$sdkVersion = & dotnet --version 2>$null
if ($LASTEXITCODE -ne 0) {
    $installed = (& dotnet --list-sdks 2>$null | ForEach-Object { ($_ -split ' ')[0] }) -join ' '
    Fail "the .NET SDK that global.json asks for ($wanted, or a later patch of that feature band) is not installed. Installed SDKs: $installed"
}

function Get-InputsHash {
    $files = Get-ChildItem -Path build -Recurse -File -Include *.cs, *.csproj, *.json, *.props, *.targets |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj|\.bootstrap)[\\/]' } |
        Sort-Object { $_.FullName.Substring($PSScriptRoot.Length).Replace('\', '/') } -CaseSensitive
    $files += Get-Item global.json, Directory.Build.props, Directory.Build.targets, Directory.Packages.props
    $lines = foreach ($file in $files) { (Get-FileHash -Algorithm SHA256 -LiteralPath $file.FullName).Hash }
    $text = ($lines -join "`n") + "`nsdk $sdkVersion"
    $bytes = [System.Text.Encoding]::UTF8.GetBytes($text)
    return [System.Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($bytes))
}

New-Item -ItemType Directory -Force -Path $out | Out-Null
$hashFile = Join-Path $out 'inputs.ps1.sha256'
$hash = Get-InputsHash
if (-not (Test-Path $bin) -or -not (Test-Path $hashFile) -or (Get-Content $hashFile -Raw).Trim() -ne $hash) {
    [Console]::Error.WriteLine('build.ps1: compiling the build program (inputs changed)...')
    Remove-Item -Force -ErrorAction SilentlyContinue $hashFile
    & dotnet build $project -c Release -o (Join-Path $out 'bin') --nologo -v quiet -clp:ErrorsOnly *> (Join-Path $out 'compile.log')
    if ($LASTEXITCODE -ne 0) {
        Get-Content (Join-Path $out 'compile.log') | ForEach-Object { [Console]::Error.WriteLine($_) }
        Fail "compiling the build program failed (log above, also in $out/compile.log)."
    }
    Set-Content -Path $hashFile -Value $hash
}

& dotnet $bin @args
exit $LASTEXITCODE
